"""`brief run` through the real process ends with the README's brief exit codes: 63 when a
delivery failed for good (a service on 127.0.0.1 answering as Slack, Discord, Telegram or a
webhook receiver with its permanent refusal), 60 when the brief could not run (every source
down). The destination's secret never appears in what is printed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.briefs.deliver.deliver_receivers import (
    DISCORD_PATH,
    SLACK_PATH,
    TELEGRAM_TOKEN,
    WEBHOOK_SECRET,
    Fault,
    Receivers,
    plain,
    slack_fault,
    telegram_error,
)
from tests.briefs.upstream import brief_env, replay
from tests.conftest import RunCli
from tests.support.replay_server import ReplayServer

SLOT = "2026-11-30T07:00+09:00"

# One permanent refusal per service, in the shape the service really answers with.
REFUSALS: dict[str, tuple[str, Fault, str]] = {
    "slack": ('to = "slack"\nurl = "${SLACK_WEBHOOK_URL}"', slack_fault(404, "no_service"), "no_service"),
    "discord": ('to = "discord"\nurl = "${DISCORD_WEBHOOK_URL}"',
                Fault(404, json.dumps({"message": "Unknown Webhook", "code": 10015}).encode(),
                      {"Content-Type": "application/json"}), "Unknown Webhook"),
    "telegram": ('to = "telegram"\ntoken = "${TELEGRAM_BOT_TOKEN}"\nchat_id = "-1001234567890"',
                 telegram_error(403, "Forbidden: bot was kicked from the supergroup chat"), "bot was kicked"),
    "webhook": ('to = "webhook"\nurl = "${WEBHOOK_URL}"\nsecret = "${WEBHOOK_SECRET}"', plain(410, "gone"), "410"),
}
PREFIX = {"slack": "/services/", "discord": "/api/webhooks/", "telegram": "/bot", "webhook": "/hooks/"}
SECRETS = (SLACK_PATH.rsplit("/", 1)[1], DISCORD_PATH.rsplit("/", 1)[1], TELEGRAM_TOKEN, WEBHOOK_SECRET)


@pytest.fixture
def receivers() -> Iterator[Receivers]:
    with Receivers() as running:
        yield running


def _env(tmp_path: Path, server: ReplayServer, receivers: Receivers, deliver: str) -> dict[str, str]:
    env = brief_env(
        tmp_path, server,
        SLACK_WEBHOOK_URL=receivers.url + SLACK_PATH,
        DISCORD_WEBHOOK_URL=receivers.url + DISCORD_PATH,
        TELEGRAM_BOT_TOKEN=TELEGRAM_TOKEN,
        WEBHOOK_URL=receivers.url + "/hooks/briefs",
        WEBHOOK_SECRET=WEBHOOK_SECRET,
    )
    env["BRIEFBOT_HTTP_REWRITE"] += f",https://api.telegram.org={receivers.url}"
    toml = Path(env["XDG_CONFIG_HOME"]) / "briefbot" / "briefs.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + f"\n[[morning.deliver]]\n{deliver}\n", encoding="utf-8")
    return env


@pytest.mark.parametrize("service", sorted(REFUSALS))
def test_a_delivery_refused_for_good_exits_63(tmp_path: Path, run_cli: RunCli, receivers: Receivers, service: str) -> None:
    table, refusal, reason = REFUSALS[service]
    receivers.fail(PREFIX[service], refusal)
    with replay() as server:
        env = _env(tmp_path, server, receivers, table)
        done = run_cli(env, "brief", "run", "morning", "--slot", SLOT)
        history = run_cli(env, "brief", "history", "morning", "--json")
    assert done.returncode == 63, (done.stdout, done.stderr)
    assert receivers.count(PREFIX[service]) == 1  # a permanent refusal is not retried
    assert reason in done.stdout + done.stderr and "Traceback" not in done.stderr
    [run] = json.loads(history.stdout)
    assert [d["status"] for d in run["deliveries"]] == ["failed"]
    for secret in SECRETS:
        assert secret not in done.stdout + done.stderr + history.stdout


def test_a_refused_delivery_beside_a_delivered_one_still_exits_63(tmp_path: Path, run_cli: RunCli, receivers: Receivers) -> None:
    receivers.fail("/services/", slack_fault(403, "invalid_token"))
    archive = tmp_path / "archive"
    markdown = f'to = "markdown"\npath = "{archive}/{{date}}-{{name}}.md"\n\n[[morning.deliver]]\n'
    with replay() as server:
        env = _env(tmp_path, server, receivers, markdown + REFUSALS["slack"][0])
        done = run_cli(env, "brief", "run", "morning", "--slot", SLOT, "--json")
    assert done.returncode == 63, (done.stdout, done.stderr)
    result = json.loads(done.stdout)
    assert {d["kind"]: d["status"] for d in result["deliveries"]} == {"markdown": "delivered", "slack": "failed"}
    assert len(list(archive.glob("*-morning.md"))) == 1  # the destination that worked got its brief
    assert "invalid_token" in done.stderr


def test_a_brief_whose_every_source_fails_exits_60(tmp_path: Path, run_cli: RunCli, receivers: Receivers) -> None:
    with ReplayServer() as server:  # no routes: every source answers 404
        env = _env(tmp_path, server, receivers, REFUSALS["slack"][0])
        done = run_cli(env, "brief", "run", "morning", "--slot", SLOT)
        history = run_cli(env, "brief", "history", "morning", "--json")
    assert done.returncode == 60, (done.stdout, done.stderr)
    assert "the run failed" in done.stderr and "Traceback" not in done.stderr
    assert [r["status"] for r in json.loads(history.stdout)] == ["failed"]
