"""The history and usage commands, run as real processes against a real history file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.store import HistoryStore, TurnUsage

REPO = Path(__file__).resolve().parents[2]


@dataclass
class Home:
    root: Path

    @property
    def db(self) -> Path:
        return self.root / "xdg-data" / "briefbot" / "history.sqlite3"

    def env(self, **extra: str) -> dict[str, str]:
        # Only what a process needs: nothing from the developer's own setup leaks in
        # (no OPENAI_*/BRIEFBOT_* settings, no real home).
        env = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "LC_ALL")}
        env.update(
            PYTHONPATH=str(REPO),  # this checkout, installed or not
            HOME=str(self.root / "home"),
            XDG_DATA_HOME=str(self.root / "xdg-data"),
            XDG_CONFIG_HOME=str(self.root / "xdg-config"),
            XDG_CACHE_HOME=str(self.root / "xdg-cache"),
            BRIEFBOT_NO_DOTENV="1",
            PYTHONIOENCODING="utf-8",
        )
        env.update(extra)
        return env

    def run(self, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot", *args],
            cwd=self.root, env=self.env(**extra), capture_output=True, text=True, timeout=60,
        )


@pytest.fixture
def home(tmp_path: Path) -> Home:
    return Home(tmp_path)


def _seed(path: Path) -> tuple[int, int]:
    """Two conversations; the second has an interrupted reply and an error."""
    with HistoryStore.open(path) as store:
        first = store.create_conversation(model="gpt-4o-mini", persona="analyst", title="Seoul weather")
        store.add_message(first, "user", "서울 날씨 어때?")
        store.record_turn(first, content="맑음, 18°C.", status="complete", model="gpt-4o-mini", backend="openai",
                          usage=TurnUsage(120, 30, cost_usd=0.00004))
        second = store.create_conversation(model="gemma-3-270m", persona=None)
        store.add_message(second, "system", "answer briefly")
        store.add_message(second, "user", "USD/KRW trend this week?")
        store.record_turn(second, content="The rate rose", status="incomplete", model="gemma-3-270m", backend="local",
                          usage=TurnUsage(80, 4, estimated=True, cost_usd=0.0))
        store.add_message(second, "user", "again")
        store.record_turn(second, content="", status="error", model="gemma-3-270m", backend="local", usage=None,
                          error="the model stopped responding")
    return first, second


def _no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stderr + result.stdout


def test_list(home: Home) -> None:
    first, second = _seed(home.db)
    result = home.run("history", "list")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["id", "updated", "model", "persona", "msgs", "title"]
    assert lines[1].split()[0] == str(second)  # newest first
    assert "gemma-3-270m" in lines[1] and "“USD/KRW trend this week?”" in lines[1] and " 5 " in lines[1]
    assert lines[2].split()[0] == str(first)
    assert "analyst" in lines[2] and "Seoul weather" in lines[2] and " 2 " in lines[2]
    assert home.run("history").stdout == result.stdout  # list is the default action


def test_list_when_empty(home: Home) -> None:
    result = home.run("history", "list")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("no conversations yet")


def test_show_marks_incomplete_and_error_replies(home: Home) -> None:
    _, second = _seed(home.db)
    result = home.run("history", "show", str(second))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.splitlines()[0] == f"conversation {second}: “USD/KRW trend this week?”"
    assert "── system" in out and "answer briefly" in out
    assert "── assistant (gemma-3-270m)" in out
    assert "[INCOMPLETE: the reply was cut off]" in out and "The rate rose" in out
    assert "[ERROR: the model stopped responding]" in out
    assert out.index("USD/KRW trend") < out.index("The rate rose") < out.index("again")


def test_export_json_has_the_documented_shape(home: Home) -> None:
    first, second = _seed(home.db)
    result = home.run("history", "export", "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    with HistoryStore.open(home.db) as store:
        expected = []
        for cid in (first, second):
            info = store.conversation(cid)
            expected.append({
                "id": cid, "title": info.title, "model": info.model, "persona": info.persona,
                "created_at": info.created_at.isoformat(), "updated_at": info.updated_at.isoformat(),
                "messages": [
                    {"role": m.role, "content": m.content, "status": m.status, "created_at": m.created_at.isoformat(),
                     # what an answer used travels with it: persona, sources, whether it was cancelled
                     **({"persona": m.persona, "cancelled": m.cancelled, "sources": list(m.sources)}
                        if m.role == "assistant" else {})}
                    for m in store.messages(cid)
                ],
            })
    assert data == expected
    assert data[0]["messages"][0] == {**data[0]["messages"][0], "role": "user", "content": "서울 날씨 어때?", "status": "complete"}
    assert [m["status"] for m in data[1]["messages"]] == ["complete", "complete", "incomplete", "complete", "error"]
    # The default format is json, and an ID narrows it to a one-element list.
    one = json.loads(home.run("history", "export", str(first)).stdout)
    assert one == expected[:1]


def test_export_markdown(home: Home) -> None:
    first, second = _seed(home.db)
    result = home.run("history", "export", "--format", "md")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert f"# Conversation {first}: Seoul weather" in out
    assert f"# Conversation {second}:" in out
    assert "- persona: analyst" in out
    assert "## user" in out and "서울 날씨 어때?" in out
    assert "> **INCOMPLETE**" in out and "> **ERROR**: the model stopped responding" in out
    assert out.index(f"# Conversation {first}") < out.index(f"# Conversation {second}")


def test_delete_prints_what_it_deleted_and_keeps_the_ledger(home: Home) -> None:
    first, second = _seed(home.db)
    result = home.run("history", "delete", str(first))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"deleted conversation {first} (Seoul weather, 2 messages)"
    listing = home.run("history", "list").stdout
    assert "Seoul weather" not in listing and "USD/KRW" in listing
    usage = json.loads(home.run("usage", "--by", "model", "--json").stdout)
    assert "gpt-4o-mini" in [row["model"] for row in usage]


@pytest.mark.parametrize("action", ["show", "delete", "export"])
def test_unknown_id_exits_51_with_a_message(home: Home, action: str) -> None:
    _seed(home.db)
    result = home.run("history", action, "999")
    assert result.returncode == 51
    assert "no conversation with id 999" in result.stderr
    assert "briefbot history list" in result.stderr
    assert result.stdout == ""
    _no_traceback(result)


def test_a_corrupt_history_file_exits_50_with_advice(home: Home) -> None:
    home.db.parent.mkdir(parents=True)
    home.db.write_text("not sqlite at all\n" * 50)
    result = home.run("history", "list")
    assert result.returncode == 50
    assert f"history database {home.db} is damaged" in result.stderr
    assert "move it aside" in result.stderr
    _no_traceback(result)


def test_history_db_setting_is_honoured(home: Home) -> None:
    elsewhere = home.root / "custom" / "h.sqlite3"
    _seed(elsewhere)
    result = home.run("history", "list", BRIEFBOT_HISTORY_DB=str(elsewhere))
    assert "Seoul weather" in result.stdout
    assert not home.db.exists()


def test_output_goes_through_the_redactor(home: Home) -> None:
    key = "sk-proj-" + "A1b2C3d4E5f6G7h8I9j0" * 2
    with HistoryStore.open(home.db) as store:
        cid = store.create_conversation(model="m", persona=None)
        store.add_message(cid, "user", f"my key is {key}")
    for args in (("history", "show", str(cid)), ("history", "export"), ("history", "export", "--format", "md")):
        result = home.run(*args)
        assert result.returncode == 0, result.stderr
        assert key not in result.stdout and "my key is" in result.stdout


def test_usage_json_and_table(home: Home) -> None:
    _seed(home.db)
    with HistoryStore.open(home.db) as store:
        store.record_usage(backend="openai", model="my-finetune", usage=TurnUsage(5, 6, cost_usd=None), kind="ask")
    result = home.run("usage", "--by", "model", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [
        {"model": "gemma-3-270m", "calls": 1, "prompt_tokens": 80, "completion_tokens": 4, "cost_usd": 0.0,
         "unknown_cost_calls": 0, "estimated_calls": 1},
        {"model": "gpt-4o-mini", "calls": 1, "prompt_tokens": 120, "completion_tokens": 30, "cost_usd": 0.00004,
         "unknown_cost_calls": 0, "estimated_calls": 0},
        {"model": "my-finetune", "calls": 1, "prompt_tokens": 5, "completion_tokens": 6, "cost_usd": None,
         "unknown_cost_calls": 1, "estimated_calls": 0},
    ]
    by_day = json.loads(home.run("usage", "--json").stdout)
    assert len(by_day) == 1 and by_day[0]["calls"] == 3 and by_day[0]["unknown_cost_calls"] == 1

    table = home.run("usage", "--by", "model").stdout.splitlines()
    assert table[0].split() == ["model", "calls", "prompt", "completion", "cost"]
    rows = {line.split()[0]: line for line in table[1:]}
    assert rows["gemma-3-270m"].split()[1:] == ["1", "~80", "~4", "$0.00"]
    assert rows["gpt-4o-mini"].split()[1:] == ["1", "120", "30", "$0.000040"]
    assert rows["my-finetune"].split()[1:] == ["1", "5", "6", "unknown"]
    assert rows["total"].split()[1:] == ["3", "~205", "~40", "$0.000040", "+", "1", "unknown"]
    assert table[-1].startswith("~ ")


def test_usage_since_and_bad_date(home: Home) -> None:
    _seed(home.db)
    assert json.loads(home.run("usage", "--since", "2999-01-01", "--json").stdout) == []
    assert home.run("usage", "--since", "2999-01-01").stdout.strip() == "no usage recorded yet in that period"
    bad = home.run("usage", "--since", "yesterday")
    assert bad.returncode == 2
    assert "expected a date as YYYY-MM-DD" in bad.stderr
