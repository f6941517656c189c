"""A canary key goes through brief runs; it never appears whole in output, the brief
document, or any file briefbot wrote (briefs.db included)."""

from __future__ import annotations

from pathlib import Path

from tests.briefs.upstream import brief_env, replay
from tests.conftest import RunCli
from tests.support.openai_server import Error, OpenAIServer, Reply

CANARY_KEY = "sk-proj-CANARYbriefs0123456789KEYkey9876"


def test_a_key_echoed_by_the_model_or_an_error_never_leaves_whole(tmp_path: Path, run_cli: RunCli, openai_server: OpenAIServer) -> None:
    openai_server.script(
        Reply(text=f"Seoul is clear. Your key is {CANARY_KEY}."),
        Error(401, f"Incorrect API key provided: {CANARY_KEY}.", code="invalid_api_key"),
    )
    with replay() as server:
        env = brief_env(tmp_path, server, summary="model", OPENAI_API_KEY=CANARY_KEY, OPENAI_BASE_URL=openai_server.base_url,
                        BRIEFBOT_MAX_RETRIES="0")
        runs = [
            run_cli(env, "--debug", "brief", "run", "morning", "--dry-run"),
            run_cli(env, "--debug", "brief", "run", "morning", "--slot", "2026-11-30T07:00+09:00", "--json"),
            run_cli(env, "brief", "list", "--json"),
        ]
    assert all(r.returncode == 0 for r in runs), [r.stderr for r in runs]
    assert "Seoul is clear. Your key is sk-proj-" in runs[0].stdout  # the summary was there, masked
    assert "summary: the model failed" in runs[1].stdout  # the 401 is stated, not hidden
    for done in runs:
        assert CANARY_KEY not in done.stdout + done.stderr
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.name == "briefs.db" for p in written)
    for path in written:
        assert CANARY_KEY.encode() not in path.read_bytes(), path
