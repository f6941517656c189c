"""A key the model echoes is not sent back to the model with the next question.

History stores the answer masked, and the screen shows it masked; the chat's memory used to keep
the raw text, so the next request carried the key in an assistant message, in the conversation's
content (while a resumed conversation, read from history, carried the mask). Found by the chaos
suite (tests/chaos/test_chaos_answers.py).
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import RunCli, scratch_env
from tests.support.openai_server import OpenAIServer, Reply

KEY = "sk-proj-CHAOSCANARY0123456789abcdefWXYZ"


def test_an_echoed_key_is_not_resent_in_the_next_request(run_cli: RunCli, tmp_path: Path, openai_server: OpenAIServer) -> None:
    openai_server.script(
        Reply(text=None, pieces=["Your key is sk-proj-CHAOS", "CANARY0123456789abcdefWXYZ, keep it safe."]),
        Reply(text="Noted."),
    )
    env = scratch_env(tmp_path, OPENAI_API_KEY=KEY, OPENAI_BASE_URL=openai_server.base_url, BRIEFBOT_GROUNDING="0")
    done = run_cli(env, "chat", input="Say my key.\nThanks.\n")
    assert done.returncode == 0, done.stderr
    first, second = openai_server.completion_requests
    answer = [m for m in second.body["messages"] if m["role"] == "assistant"]
    assert answer and answer[0]["content"] == "Your key is sk-proj-…WXYZ, keep it safe."  # as history holds it
    assert KEY not in json.dumps(second.body)
