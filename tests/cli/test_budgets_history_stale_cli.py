"""Three promises the README makes, each kept through the real `briefbot` process (issue 10's
"Why" item 10 found none of them tested end to end):

* the history budget (``BRIEFBOT_HISTORY_BUDGET``) trims what is sent, never what is stored,
  and keeps the user's /system rules;
* the daily budget (``BRIEFBOT_BUDGET_PER_DAY``) counts today's spend from the usage ledger
  and refuses the next call before it is sent (exit 40);
* a source that fails while a cached answer exists is answered from the cache, and the
  sources block under the answer says STALE.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

from tests.conftest import RunCli, scratch_env
from tests.support.openai_server import OpenAIServer, Reply
from tests.support.replay_server import Reply as Upstream
from tests.support.replay_server import ReplayServer

KEY = "sk-test-BUDGETS0123456789abcdefWXYZ"


def _env(tmp_path: Path, openai_server: OpenAIServer, **extra: str) -> dict[str, str]:
    return scratch_env(tmp_path, OPENAI_API_KEY=KEY, OPENAI_BASE_URL=openai_server.base_url, BRIEFBOT_MODEL="gpt-4o-mini",
                       BRIEFBOT_MAX_RETRIES="0", **extra)


def _sent(request_body: dict[str, object]) -> str:
    return "\n".join(str(m["content"]) for m in request_body["messages"])  # type: ignore[attr-defined]


def test_the_history_budget_trims_what_is_sent_not_what_is_stored(run_cli: RunCli, tmp_path: Path, openai_server: OpenAIServer) -> None:
    openai_server.default = Reply(text="ok")
    rule = "/system Answer in one line."
    turns = [f"{word}: " + f"{word} " * 60 for word in ("alpha", "beta", "gamma")] + ["delta: the last question?"]
    chat_input = "\n".join([rule, *turns]) + "\n"

    roomy = run_cli(_env(tmp_path / "roomy", openai_server, BRIEFBOT_GROUNDING="0"), "chat", input=chat_input)
    assert roomy.returncode == 0, roomy.stderr
    assert "alpha:" in _sent(openai_server.completion_requests[-1].body)  # the default budget keeps it all
    openai_server.reset()
    openai_server.default = Reply(text="ok")

    env = _env(tmp_path / "tight", openai_server, BRIEFBOT_GROUNDING="0", BRIEFBOT_HISTORY_BUDGET="200")
    done = run_cli(env, "chat", input=chat_input)
    assert done.returncode == 0, done.stderr
    last = _sent(openai_server.completion_requests[-1].body)
    assert "delta: the last question?" in last and "Answer in one line." in last  # the question and the rule
    assert "alpha:" not in last and "earlier messages of this conversation were left out" in last
    assert "older messages were left out to fit the history budget" in done.stderr
    exported = run_cli(env, "history", "export", "--format", "json")
    [conversation] = json.loads(exported.stdout)
    stored = [m["content"] for m in conversation["messages"] if m["role"] == "user"]
    assert [s.split(":")[0] for s in stored] == ["alpha", "beta", "gamma", "delta"]  # all of it kept


def test_the_daily_budget_counts_todays_spend_and_refuses_the_next_call(
    run_cli: RunCli, tmp_path: Path, openai_server: OpenAIServer
) -> None:
    # gpt-4o-mini output costs $0.60 per million tokens: this answer alone spends $0.60.
    openai_server.script(Reply(text="a long answer", completion_tokens=1_000_000))
    openai_server.default = Reply(text="never sent")
    env = _env(tmp_path, openai_server, BRIEFBOT_GROUNDING="0", BRIEFBOT_BUDGET_PER_DAY="0.50")
    first = run_cli(env, "ask", "first question")
    assert first.returncode == 0, first.stderr  # nothing spent yet: the small estimate fits
    [row] = json.loads(run_cli(env, "usage", "--json").stdout)
    assert row["cost_usd"] >= 0.5

    second = run_cli(env, "ask", "second question")
    assert second.returncode == 40, (second.stdout, second.stderr)
    assert "daily budget" in second.stderr and "BRIEFBOT_BUDGET_PER_DAY" in second.stderr
    assert len(openai_server.completion_requests) == 1  # refused before anything was sent
    chat = run_cli(env, "chat", input="third question\n")
    assert chat.returncode == 40 and "daily budget" in chat.stderr
    assert len(openai_server.completion_requests) == 1


def test_a_failed_source_with_a_cached_answer_is_labelled_stale_in_the_sources_block(
    run_cli: RunCli, tmp_path: Path, openai_server: OpenAIServer, fx_upstream: ReplayServer
) -> None:
    openai_server.default = Reply(text="About 86 EUR.")
    env = _env(tmp_path, openai_server, BRIEFBOT_HTTP_REWRITE=f"https://api.frankfurter.dev={fx_upstream.url}/fx",
               BRIEFBOT_HTTP_DEADLINE="2")
    question = "How much is 100 USD in EUR?"
    fresh = run_cli(env, "ask", question)
    assert fresh.returncode == 0, fresh.stderr
    assert "0.85911" in fresh.stdout and "STALE" not in fresh.stdout

    # Three hours pass (past the hour Frankfurter's latest rate stays fresh), and the source breaks.
    entries = [p for p in (tmp_path / "cache").rglob("*.json") if "http" in p.parts]
    assert entries, "the HTTP cache was not written"
    for path in entries:
        data = json.loads(path.read_text(encoding="utf-8"))
        stored = datetime.fromisoformat(data["stored_at"])
        data["stored_at"] = (min(stored, datetime.now(timezone.utc)) - timedelta(hours=3)).isoformat()
        path.write_text(json.dumps(data), encoding="utf-8")
    fx_upstream.route("/fx/v1/latest", Upstream(b"busy", status=503))

    stale = run_cli(env, "ask", question)
    assert stale.returncode == 0, stale.stderr
    sources = stale.stdout.split("Sources:", 1)[1]
    assert "0.85911" in sources and "STALE (cached after the source failed)" in sources
    assert fx_upstream.count("/fx/v1/latest") >= 2  # the source was really asked again, and failed
