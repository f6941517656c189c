"""A key the model echoes: not sent back to the model with the next question, and no piece of it
shown or stored when the answer breaks inside it.

History stores the answer masked, and the screen shows it masked; the chat's memory used to keep
the raw text, so the next request carried the key in an assistant message, in the conversation's
content (while a resumed conversation, read from history, carried the mask). Found by the chaos
suite (tests/chaos/test_chaos_answers.py).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.redact import REDACTED, Redactor, StreamRedactor
from tests.conftest import RunCli, scratch_env
from tests.support.history_rows import stored_messages
from tests.support.openai_server import BAD_EVENT_DATA, OpenAIServer, Reply

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


# A stream that breaks inside the echoed key: its first part was held back on screen (it could
# become a secret), and when the stream ended it was released whole, and stored whole.


def test_a_key_the_stream_breaks_inside_is_masked_not_released_on_flush() -> None:
    redactor = Redactor([KEY])
    shown = StreamRedactor(redactor)
    out = shown.feed("Your key is ") + shown.feed(KEY[:20]) + shown.flush()
    assert out == f"Your key is {REDACTED}"
    assert redactor.scrub(f"Stored: {KEY[:12]}") == f"Stored: {REDACTED}"
    assert redactor.scrub(f"Too short to say: {KEY[:11]}") == f"Too short to say: {KEY[:11]}"  # 3 key characters
    data_key = "AVCHAOSCANARY0000KEY"
    assert Redactor([data_key]).scrub(f"{data_key[:14]} mid-text stays") == f"{data_key[:14]} mid-text stays"


@pytest.mark.parametrize("command", ["ask", "chat"])
def test_an_answer_broken_inside_an_echoed_key_shows_and_stores_no_piece_of_it(
    run_cli: RunCli, tmp_path: Path, openai_server: OpenAIServer, command: str
) -> None:
    openai_server.script(Reply(text=None, pieces=["Your key is ", KEY[:20], KEY[20:] + " ok"],
                               bad_chunk=BAD_EVENT_DATA, bad_chunk_at=3))
    env = scratch_env(tmp_path, OPENAI_API_KEY=KEY, OPENAI_BASE_URL=openai_server.base_url, BRIEFBOT_GROUNDING="0",
                      BRIEFBOT_MAX_RETRIES="0")
    done = run_cli(env, *(["ask", "Say my key."] if command == "ask" else ["chat"]), input="Say my key.\n")
    assert done.returncode == 18, done.stderr
    assert KEY[8:16] not in done.stdout + done.stderr and f"Your key is {REDACTED}" in done.stdout
    assert stored_messages(tmp_path)[-1] == ("assistant", "incomplete", f"Your key is {REDACTED}")
