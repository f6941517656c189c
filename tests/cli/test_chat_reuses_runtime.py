"""A chat of several data turns keeps one connector runtime: one HTTP session (one kept-alive
connection to the upstream) and one set of rate limiters, not a new one per turn."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunCli, scratch_env
from tests.connectors.payloads import fixture
from tests.support.openai_server import OpenAIServer, Reply
from tests.support.replay_server import Reply as Recorded
from tests.support.replay_server import ReplayServer


def test_three_data_turns_share_one_http_connection(run_cli: RunCli, tmp_path: Path, openai_server: OpenAIServer) -> None:
    payload = fixture("frankfurter/v1_latest_base_usd_symbols_eur_captured_2026-07-30.json")
    openai_server.script(Reply(text="0.85911 EUR."))
    with ReplayServer({"/fx/v1/latest": Recorded.json(payload)}) as upstream:
        env = scratch_env(tmp_path, BRIEFBOT_HTTP_REWRITE=f"https://api.frankfurter.dev={upstream.url}/fx",
                          OPENAI_API_KEY="sk-test-CANARY0123456789abcdefWXYZ", OPENAI_BASE_URL=openai_server.base_url)
        # Three different requests (nothing served from the cache). The recording holds EUR
        # only, so the JPY and GBP turns end as "no data": their requests still went out.
        questions = "What is the USD to EUR exchange rate?\nWhat is the USD to JPY rate?\nWhat is the USD to GBP rate?\n"
        done = run_cli(env, "chat", input=questions)
        assert "Traceback" not in done.stderr and "0.85911" in done.stdout
        assert upstream.count("/fx/v1/latest") == 3, upstream.requests
        assert len(set(upstream.clients)) == 1, upstream.clients  # one kept-alive connection for all turns
