"""Canary keys go through every command; afterwards none appears whole in anything printed
or in any file briefbot wrote (home, config, data/history, cache). Delivery webhooks are the
briefs' own configuration (briefs.toml), with their own canary."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunCli, scratch_env
from tests.support.openai_server import Error, OpenAIServer, Reply

CANARY_KEY = "sk-proj-CANARYcanary0123456789KEYkey9876"
AV_KEY = "AVCANARYKEY12345"


def test_secrets_never_leave_whole(run_cli: RunCli, tmp_path: Path, openai_server: OpenAIServer) -> None:
    env = scratch_env(
        tmp_path,
        OPENAI_API_KEY=CANARY_KEY,
        OPENAI_BASE_URL=openai_server.base_url,
        ALPHAVANTAGE_API_KEY=AV_KEY,
        BRIEFBOT_MAX_RETRIES="0",
        BRIEFBOT_GROUNDING="0",  # the scripted replies are for the answers, not for tool planning
    )
    # The server echoes the key back in an error body, as some upstreams do.
    openai_server.script(
        Reply(text=f"Your key is {CANARY_KEY}"),
        Error(401, f"Incorrect API key provided: {CANARY_KEY}.", code="invalid_api_key"),
        Reply(text="fine"),
    )
    runs = [
        run_cli(env, "config", "show"),
        run_cli(env, "config", "show", "--json"),
        run_cli(env, "--debug", "ask", "what is my key?"),
        run_cli(env, "--debug", "ask", "again"),
        run_cli(env, "chat", input=f"my key is {CANARY_KEY}\n/history\n"),
        run_cli(env, "history", "export", "--format", "json"),
        run_cli(env, "history", "export", "--format", "md"),
        run_cli(env, "usage", "--json"),
        run_cli(env, "doctor", "--offline"),
    ]
    printed = "\n".join(r.stdout + r.stderr for r in runs)
    assert "sk-proj-…9876" in printed  # it was really there to leak, and shown masked
    assert runs[3].returncode == 11  # the 401 run really failed

    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.name.startswith("history") for p in written)  # something was written to scan
    for secret in (CANARY_KEY, AV_KEY):
        assert secret not in printed, f"{secret[:8]}… printed"
        for path in written:
            assert secret.encode() not in path.read_bytes(), f"{secret[:8]}… written to {path}"
