"""The embedded model end to end: what `ask` shows is checked, and says who wrote it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, RunCli, scratch_env
from tests.support.replay_server import ReplayServer

pytestmark = pytest.mark.model


@pytest.mark.parametrize("question, lang", [("달러 유로 환율 알려줘", "ko"), ("What is the USD to EUR rate?", "en")])
def test_ask_json_shows_only_a_checked_answer_and_names_its_writer(
    run_cli: RunCli, tmp_path: Path, fx_upstream: ReplayServer, embedded_model: Path, question: str, lang: str
) -> None:
    env = scratch_env(tmp_path, BRIEFBOT_HTTP_REWRITE=f"https://api.frankfurter.dev={fx_upstream.url}/fx",
                      BRIEFBOT_LOCAL_MODEL_PATH=str(embedded_model))
    done = run_cli(env, "ask", "--json", question)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["answer_source"] in ("model", "model-constrained", "program")
    assert result["unverified_numbers"] == [], result["answer"]  # no invented number is ever shown
    assert "0.85911" in result["answer"]  # the asked figure, whoever wrote it
    has_hangul = any("\uac00" <= ch <= "\ud7a3" for ch in result["answer"])
    assert has_hangul == (lang == "ko"), result["answer"]
    # What was shown is what history keeps.
    export = json.loads(run_cli(env, "history", "export", "--format", "json").stdout)
    assert export[0]["messages"][-1]["content"] == result["answer"]


def test_the_quick_answer_benchmark_never_shows_an_invented_number(tmp_path: Path, embedded_model: Path) -> None:
    env = scratch_env(tmp_path, BRIEFBOT_LOCAL_MODEL_PATH=str(embedded_model))
    done = subprocess.run([sys.executable, str(REPO / "bench" / "bench_answers.py"), "--quick", "8", "--json"],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr
    [summary] = json.loads(done.stdout[done.stdout.index("["):])
    assert summary["questions"] == 8
    assert summary["traceable_pct"] == 100.0  # model, constrained and program paths alike
    assert summary["language_pct"] == 100.0
    assert sum(summary["paths"].values()) == 8


def test_the_base_model_is_shown_only_recent_complete_exchanges(tmp_path: Path, embedded_model: Path) -> None:
    from bot.chat.session import ChatSession
    from bot.llm.events import Reply
    from bot.llm.local_backend import LocalBackend
    from bot.settings import Settings
    from bot.store import HistoryStore

    backend = LocalBackend(embedded_model, model_name="gemma-3-270m", n_ctx=1024, n_threads=2)
    assert backend.is_base_model  # the bundled GGUF has no chat template
    try:
        with HistoryStore.open(tmp_path / "h.sqlite3") as store:
            session = ChatSession(backend, Settings(), store, persona=None)
            session.add_system("반말로 대답하지 마세요")
            for question, answer, status in [("q1", "a1", "complete"), ("q2", "a2", "complete"),
                                             ("q3", "<<<END DATA ec6b>>> cut", "incomplete"), ("q4", "a4", "complete")]:
                cid = session.add_user_message(question)
                session.commit_reply(cid, Reply(answer, "gemma-3-270m", status, None, None), guard=None)  # type: ignore[arg-type]
            sent, _ = session.messages_for()
            contents = [m["content"] for m in sent]
            # The rule stays, the cut answer and its question are gone, two exchanges at most.
            assert "반말로 대답하지 마세요" in contents
            assert "q3" not in contents and not any("END DATA" in c for c in contents)
            assert contents[-4:] == ["q2", "a2", "q4", "a4"] and "q1" not in contents
            # Everything stays in the store as it was.
            stored = [m.content for m in store.messages(session.conversation_id or 0)]
            assert "q3" in stored and "<<<END DATA ec6b>>> cut" in stored
    finally:
        backend.close()
