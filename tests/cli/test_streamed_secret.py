"""A key the model echoes, split across two stream chunks, is masked whole on screen."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import RunCli, scratch_env
from tests.support.openai_server import OpenAIServer, Reply

KEY = "sk-test-CANARY0123456789abcdefWXYZ"


@pytest.mark.parametrize("command", ["ask", "chat"])
def test_a_key_split_across_stream_chunks_never_prints_whole(
    run_cli: RunCli, tmp_path: Path, openai_server: OpenAIServer, command: str
) -> None:
    # The model writes the key back, cut in the middle of the key across two deltas.
    openai_server.script(Reply(text=None, pieces=["Your key is sk-test-CANARY01234", "56789abcdefWXYZ, keep it safe."]))
    env = scratch_env(tmp_path, OPENAI_API_KEY=KEY, OPENAI_BASE_URL=openai_server.base_url, BRIEFBOT_GROUNDING="false")
    args = [command, "--no-data", "Say my key."] if command == "ask" else [command]
    done = run_cli(env, *args, input=None if command == "ask" else "Say my key.\n")
    assert done.returncode == 0, done.stderr
    # No piece of the key shows: neither half was printed as it arrived.
    assert not any(KEY[i:i + 8] in done.stdout for i in range(len(KEY) - 7)), done.stdout
    assert "Your key is" in done.stdout and "keep it safe." in done.stdout  # the rest still shown
