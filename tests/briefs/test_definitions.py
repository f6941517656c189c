"""briefs.toml validation: every mistake names the file, the brief, the field and the fix."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.briefs.definitions import load_briefs, parse_duration
from bot.errors import BriefDefinitionError, BriefNotFoundError
from tests.conftest import RunCli, scratch_env

GOOD = """
[morning]
schedule = "0 7 * * 1-5"
timezone = "Asia/Seoul"
sources = ["weather place=Seoul", "fx base=USD symbols=KRW", "crypto market=KRW-BTC days=30", "stocks symbol=005930.KS"]
language = "ko"
template = "daily"
summary = "model"
catch_up = "latest"
max_lateness = "2h"
[[morning.deliver]]
to = "markdown"
path = "~/briefs/{date}-{name}.md"
[[morning.deliver]]
to = "slack"
url = "${SLACK_WEBHOOK_URL}"
"""


@dataclass(frozen=True)
class StubTarget:
    kind: str
    where: str

    def describe(self) -> str:
        return f"{self.kind} ({self.where})"


def stub_parse_target(table: Mapping[str, Any], *, env: Mapping[str, str], where: str) -> StubTarget:
    if table.get("to") == "slack" and "SLACK_WEBHOOK_URL" not in env:
        raise BriefDefinitionError(f"{where}: url: ${{SLACK_WEBHOOK_URL}} is not set", hint="export SLACK_WEBHOOK_URL=...")
    return StubTarget(str(table["to"]), where)


def _load(tmp_path: Path, text: str, env: Mapping[str, str] | None = None) -> Any:
    path = tmp_path / "briefs.toml"
    path.write_text(text, encoding="utf-8")
    env = {"SLACK_WEBHOOK_URL": "https://hooks.slack.com/services/T0/B0/x"} if env is None else env
    return load_briefs(path, env=env,
                       parse_target=stub_parse_target)


def test_the_issue_example_loads_with_every_field(tmp_path: Path) -> None:
    brief = _load(tmp_path, GOOD).get("morning")
    assert brief.schedule.cron == "0 7 * * 1-5" and brief.schedule.timezone == "Asia/Seoul"
    assert [s.as_cli() for s in brief.sources][2] == "crypto market=KRW-BTC days=30"
    assert (brief.language, brief.summary, brief.catch_up, brief.template) == ("ko", "model", "latest", "daily")
    assert brief.max_lateness == timedelta(hours=2)
    assert "{language}" in brief.instructions  # the built-in prompts/briefs/daily.md
    assert [t.kind for t in brief.targets] == ["markdown", "slack"]
    assert brief.targets[1].where.endswith("briefs.toml: [morning] deliver[1]")


def _replace(old: str, new: str) -> str:
    assert old in GOOD
    return GOOD.replace(old, new)


BAD = [
    (_replace('language = "ko"', 'langauge = "ko"'), "[morning] langauge: is not a brief setting", "valid settings:"),
    (_replace('"0 7 * * 1-5"', '"0 7 * *"'), "[morning] schedule: '0 7 * *' has 4 fields", "five fields"),
    (_replace('"0 7 * * 1-5"', '"0 25 * * 1-5"'), "[morning] schedule: '0 25 * * 1-5' is not a valid cron expression", "five fields"),
    (_replace('"Asia/Seoul"', '"Asia/Seul"'), "[morning] timezone: unknown time zone 'Asia/Seul'", "IANA name"),
    (_replace('"weather place=Seoul"', '"wether place=Seoul"'), "[morning] sources[0]: 'wether place=Seoul': no connector named 'wether'", "available:"),
    (_replace('"fx base=USD symbols=KRW"', '"fx base=USD currency=KRW"'), "[morning] sources[1]: 'fx base=USD currency=KRW': fx: unknown parameter 'currency'", "allowed:"),
    (_replace('days=30', 'days=thirty'), "[morning] sources[2]", "allowed:"),
    (_replace('language = "ko"', 'language = "jp"'), "[morning] language: 'jp' is not one of ko, en", 'language = "en"'),
    (_replace('template = "daily"', 'template = "weekly"'), "[morning] template: no template named 'weekly'", "prompts/briefs/weekly.md"),
    (_replace('template = "daily"', 'template = "daily"\nprompt = "Be brief."'), "[morning] prompt: and template are both set", "keep one"),
    (_replace('summary = "model"', 'summary = "yes"'), "[morning] summary: 'yes' is not one of model, none", "summary"),
    (_replace('catch_up = "latest"', 'catch_up = "all"'), "[morning] catch_up: 'all' is not one of latest, skip", "catch_up"),
    (_replace('max_lateness = "2h"', 'max_lateness = "2 hours"'), "[morning] max_lateness: '2 hours' is not a duration", '"90m"'),
    (_replace('schedule = "0 7 * * 1-5"\n', ''), "[morning] schedule: is missing", "every brief needs"),
    ('morning = "0 7 * * *"\n', "[morning]: is a value, not a table", "[morning]"),
    ("[morning\n", "not valid TOML", "fix the line"),
]


@pytest.mark.parametrize(("text", "message", "hint"), BAD, ids=[b[1][:40] for b in BAD])
def test_each_mistake_names_file_brief_field_and_fix(tmp_path: Path, text: str, message: str, hint: str) -> None:
    with pytest.raises(BriefDefinitionError) as caught:
        _load(tmp_path, text)
    assert caught.value.exit_code == 61
    assert str(tmp_path / "briefs.toml") in caught.value.message
    assert message in caught.value.message
    assert hint in (caught.value.hint or "")


def test_a_delivery_error_from_the_target_parser_passes_through_with_its_place(tmp_path: Path) -> None:
    with pytest.raises(BriefDefinitionError, match=r"briefs.toml: \[morning\] deliver\[1\]: url: \$\{SLACK_WEBHOOK_URL\} is not set"):
        _load(tmp_path, GOOD, env={})


def test_unknown_brief_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(BriefNotFoundError, match="no brief named 'evening'") as caught:
        _load(tmp_path, GOOD).get("evening")
    assert caught.value.exit_code == 62 and "defined: morning" in (caught.value.hint or "")
    with pytest.raises(BriefDefinitionError, match="no such file"):
        load_briefs(tmp_path / "absent.toml", env={})


def test_a_user_template_overrides_the_built_in(tmp_path: Path) -> None:
    path = tmp_path / "briefs.toml"
    path.write_text(_replace('template = "daily"', 'template = "mine"'), encoding="utf-8")
    (tmp_path / "tpl").mkdir()
    (tmp_path / "tpl" / "mine.md").write_text("My own instructions.", encoding="utf-8")
    book = load_briefs(path, env={"SLACK_WEBHOOK_URL": "x"}, template_dirs=[tmp_path / "tpl"], parse_target=stub_parse_target)
    assert book.get("morning").instructions == "My own instructions."


@pytest.mark.parametrize(("text", "minutes"), [("90m", 90), ("2h", 120), ("1h30m", 90)])
def test_durations(text: str, minutes: int) -> None:
    assert parse_duration(text) == timedelta(minutes=minutes)


@pytest.mark.parametrize("text", ["", "0m", "2", "2 hours", "-1h", "1d"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


def test_brief_check_process_reports_the_mistake_and_exits_61(tmp_path: Path, run_cli: RunCli) -> None:
    env = scratch_env(tmp_path)
    bad = tmp_path / "bad.toml"
    bad.write_text(_replace('"Asia/Seoul"', '"Mars/Olympus"').split("[[morning.deliver]]")[0], encoding="utf-8")
    done = run_cli(env, "brief", "check", "--file", str(bad))
    assert done.returncode == 61 and done.stdout == ""
    assert f"error: {bad}: [morning] timezone: unknown time zone 'Mars/Olympus'" in done.stderr
    assert "→ use an IANA name" in done.stderr and "Traceback" not in done.stderr
    good = tmp_path / "good.toml"
    good.write_text(GOOD.split("[[morning.deliver]]")[0], encoding="utf-8")
    env["BRIEFBOT_BRIEFS_FILE"] = str(good)  # the environment names the file when --file does not
    done = run_cli(env, "brief", "check")
    assert done.returncode == 0, done.stderr
    assert "ok  morning: 0 7 * * 1-5 (Asia/Seoul), 4 source(s)" in done.stdout
