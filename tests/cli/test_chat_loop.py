"""The chat loop never loses a turn: Ctrl-C at each stage of a turn, SIGKILL after the last
token, undecodable input, and the exit status of piped chat and interrupted ask. Real
``briefbot`` processes, the local OpenAI wire-format server, recorded upstream payloads."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.conftest import RunCli, scratch_env
from tests.support.live_process import LiveProcess
from tests.support.openai_server import Error, OpenAIServer, Reply
from tests.support.replay_server import ReplayServer

KEY = "sk-test-CANARY0123456789abcdefWXYZ"
FX_QUESTION = "What is the USD to EUR exchange rate?"


def env_for(tmp_path: Path, server: OpenAIServer, fx_upstream: ReplayServer | None = None, **extra: str) -> dict[str, str]:
    data = {"BRIEFBOT_HTTP_REWRITE": f"https://api.frankfurter.dev={fx_upstream.url}/fx"} if fx_upstream else {"BRIEFBOT_GROUNDING": "0"}
    return scratch_env(tmp_path, OPENAI_API_KEY=KEY, OPENAI_BASE_URL=server.base_url, BRIEFBOT_MAX_RETRIES="0",
                       **data, **extra)


def conversations(run_cli: RunCli, env: dict[str, str]) -> list[dict[str, object]]:
    done = run_cli(env, "history", "export", "--format", "json")
    assert done.returncode == 0, done.stderr
    data: list[dict[str, object]] = json.loads(done.stdout)
    return data


def rows(conversation: dict[str, object]) -> list[tuple[str, str, str]]:
    """(role, status, content) of each message; assistant rows that were cancelled say so."""
    messages = conversation["messages"]
    assert isinstance(messages, list)
    return [(m["role"], "cancelled" if m.get("cancelled") else m["status"], m["content"]) for m in messages]


# -- Ctrl-C in chat, at three moments --------------------------------------------------------------


def test_ctrl_c_while_fetching_cancels_that_turn_and_the_chat_goes_on(
    run_cli: RunCli, tmp_path: Path, openai_server: OpenAIServer, fx_upstream: ReplayServer
) -> None:
    fx_upstream.latency = 30.0  # the source hangs; the user gives up on it
    # The second question is nothing the rules know: the model is offered the tools first, says done.
    openai_server.script(Reply(text="done"), Reply(text="Second answer."))
    env = env_for(tmp_path, openai_server, fx_upstream)
    with LiveProcess(env, "chat", cwd=tmp_path) as chat:
        chat.send(FX_QUESTION + "\n")
        chat.wait_for(lambda: fx_upstream.count("/fx/v1/latest") == 1, "the fetch to start")
        chat.interrupt()
        chat.wait_for(lambda: "cancelled" in chat.stderr, "the cancel notice")
        fx_upstream.latency = 0.0
        chat.send("Thanks, and hello.\n")
        code = chat.finish()
    assert code == 130, chat.stderr  # piped: a turn went unanswered, and that is why
    assert "Second answer." in chat.stdout and "Traceback" not in chat.stderr
    [conversation] = conversations(run_cli, env)
    assert rows(conversation) == [
        ("user", "complete", FX_QUESTION),
        ("assistant", "cancelled", ""),
        ("user", "complete", "Thanks, and hello."),
        ("assistant", "complete", "Second answer."),
    ]


def test_ctrl_c_before_the_first_token_cancels_that_turn_only(
    run_cli: RunCli, tmp_path: Path, openai_server: OpenAIServer
) -> None:
    openai_server.script(Reply(text="Never sent.", delay=30.0), Reply(text="Second answer."))
    env = env_for(tmp_path, openai_server)
    with LiveProcess(env, "chat", cwd=tmp_path) as chat:
        chat.send("first question\n")
        chat.wait_for(lambda: len(openai_server.completion_requests) == 1, "the request to be sent")
        chat.interrupt()
        chat.wait_for(lambda: "cancelled" in chat.stderr, "the cancel notice")
        chat.send("second question\n")
        code = chat.finish()
    assert code == 130, chat.stderr
    assert "Second answer." in chat.stdout and "Never sent." not in chat.stdout
    [conversation] = conversations(run_cli, env)
    assert rows(conversation) == [
        ("user", "complete", "first question"),
        ("assistant", "cancelled", ""),
        ("user", "complete", "second question"),
        ("assistant", "complete", "Second answer."),
    ]


def test_ctrl_c_mid_answer_keeps_the_part_shown_once(run_cli: RunCli, tmp_path: Path, openai_server: OpenAIServer) -> None:
    openai_server.script(Reply(pieces=["Alpha ", "beta ", "gamma ", "delta."], chunk_delay=2.0), Reply(text="Next."))
    env = env_for(tmp_path, openai_server)
    with LiveProcess(env, "chat", cwd=tmp_path) as chat:
        chat.send("tell me\n")
        chat.wait_for(lambda: "Alpha" in chat.stdout, "the first piece on screen")
        chat.interrupt()
        chat.wait_for(lambda: "cancelled" in chat.stderr, "the cancel notice")
        shown = chat.stdout.strip()
        chat.send("next\n")
        code = chat.finish()
    assert code == 130
    assert "delta." not in chat.stdout and "Next." in chat.stdout
    [conversation] = conversations(run_cli, env)
    [(_, _, _), (role, state, partial), *rest] = rows(conversation)
    assert (role, state) == ("assistant", "cancelled")
    assert partial.strip() == shown and partial.startswith("Alpha")  # exactly what was shown, once
    assert rest == [("user", "complete", "next"), ("assistant", "complete", "Next.")]


# -- ask ----------------------------------------------------------------------------------------


def test_ask_interrupted_mid_answer_exits_130_and_keeps_the_partial_answer(
    run_cli: RunCli, tmp_path: Path, openai_server: OpenAIServer
) -> None:
    openai_server.script(Reply(pieces=["Partly ", "sunny ", "later."], chunk_delay=2.0))
    env = env_for(tmp_path, openai_server)
    with LiveProcess(env, "ask", "weather?", cwd=tmp_path) as ask:
        ask.wait_for(lambda: "Partly" in ask.stdout, "the first piece on screen")
        ask.interrupt()
        code = ask.finish()
    assert code == 130, ask.stderr
    assert "interrupted" in ask.stderr and "Traceback" not in ask.stderr
    [conversation] = conversations(run_cli, env)
    [question, answer] = rows(conversation)
    assert question == ("user", "complete", "weather?")
    assert answer[:2] == ("assistant", "cancelled") and answer[2].startswith("Partly") and "later" not in answer[2]


def test_ask_interrupted_while_waiting_exits_130_with_the_question_stored_once(
    run_cli: RunCli, tmp_path: Path, openai_server: OpenAIServer
) -> None:
    openai_server.script(Reply(text="Never sent.", delay=30.0))
    env = env_for(tmp_path, openai_server)
    with LiveProcess(env, "ask", "weather?", cwd=tmp_path) as ask:
        ask.wait_for(lambda: len(openai_server.completion_requests) == 1, "the request to be sent")
        ask.interrupt()
        code = ask.finish()
    assert code == 130, ask.stderr
    [conversation] = conversations(run_cli, env)
    assert rows(conversation) == [("user", "complete", "weather?"), ("assistant", "cancelled", "")]


# -- SIGKILL just after the last token ----------------------------------------------------------


def test_sigkill_right_after_the_answer_is_shown_loses_nothing(
    run_cli: RunCli, tmp_path: Path, openai_server: OpenAIServer
) -> None:
    # The stream's second piece (and its end) comes 3 s after the first: the process is killed
    # in between, when the user has read the first sentence. (The screen holds back the last
    # word or two of a piece until the next arrives: they could be the start of a secret.)
    openai_server.script(Reply(pieces=["Sunny, 21 °C. Dry all day. ", "Windy later."], chunk_delay=3.0))
    env = env_for(tmp_path, openai_server)
    with LiveProcess(env, "chat", cwd=tmp_path) as chat:
        chat.send("weather?\n")
        chat.wait_for(lambda: "21 °C." in chat.stdout, "the first sentence on screen")
        chat.kill()
        shown = chat.stdout
    [conversation] = conversations(run_cli, env)
    # Stored as far as it arrived (everything shown and more); incomplete: the end never came.
    (_, _, question), (role, status, answer) = rows(conversation)
    assert (question, role, status) == ("weather?", "assistant", "incomplete")
    assert "Sunny, 21 °C." in shown and answer.startswith("Sunny, 21 °C. Dry all day.")


# -- exit status of piped chat ---------------------------------------------------------------------


def test_piped_chat_exits_with_the_first_failing_turns_code(run_cli: RunCli, tmp_path: Path, openai_server: OpenAIServer) -> None:
    openai_server.script(Reply(text="One."), Error.model_not_found(), Error.invalid_api_key(), Reply(text="Four."))
    done = run_cli(env_for(tmp_path, openai_server), "chat", input="one\ntwo\nthree\nfour\n")
    assert done.returncode == 15, done.stderr  # the first failure (404 model) wins over the later 401
    assert "One." in done.stdout and "Four." in done.stdout


def test_piped_chat_exits_0_when_every_turn_was_answered(run_cli: RunCli, tmp_path: Path, openai_server: OpenAIServer) -> None:
    openai_server.script(Reply(text="One."), Reply(text="Two."))
    done = run_cli(env_for(tmp_path, openai_server), "chat", input="one\n/nonsense\ntwo\n")
    assert done.returncode == 0, done.stderr
    assert "unknown command /nonsense" in done.stderr  # a command typo is not a failed turn


# -- input that is not UTF-8 ------------------------------------------------------------------------


def test_chat_reports_an_undecodable_line_and_goes_on(run_cli: RunCli, tmp_path: Path, openai_server: OpenAIServer) -> None:
    openai_server.script(Reply(text="First."), Reply(text="Third."))
    env = env_for(tmp_path, openai_server)
    with LiveProcess(env, "chat", cwd=tmp_path) as chat:
        chat.send("first\n".encode() + "서울".encode("cp949") + b" weather\nthird\n")
        code = chat.finish()
    assert code == 2, chat.stderr
    assert "input line 2 is not valid UTF-8" in chat.stderr and "skipped" in chat.stderr
    assert "Traceback" not in chat.stderr and "First." in chat.stdout and "Third." in chat.stdout
    [conversation] = conversations(run_cli, env)
    assert [c for _, _, c in rows(conversation)] == ["first", "First.", "third", "Third."]  # nothing of line 2
    assert len(openai_server.completion_requests) == 2


def test_ask_refuses_a_question_that_is_not_utf8_with_exit_2(run_cli: RunCli, tmp_path: Path, openai_server: OpenAIServer) -> None:
    env = env_for(tmp_path, openai_server)
    with LiveProcess(env, "ask", cwd=tmp_path) as ask:
        ask.send("서울 날씨".encode("cp949"))
        code = ask.finish()
    assert code == 2, ask.stderr
    assert "the question on stdin is not valid UTF-8" in ask.stderr and "iconv" in ask.stderr
    assert "Traceback" not in ask.stderr and openai_server.completion_requests == []
    assert conversations(run_cli, env) == []


def test_retry_after_a_cancelled_turn_stores_the_question_once(
    run_cli: RunCli, tmp_path: Path, openai_server: OpenAIServer
) -> None:
    openai_server.script(Reply(text="Never sent.", delay=30.0), Reply(text="Answered."))
    env = env_for(tmp_path, openai_server)
    with LiveProcess(env, "chat", cwd=tmp_path) as chat:
        chat.send("question\n")
        chat.wait_for(lambda: len(openai_server.completion_requests) == 1, "the request to be sent")
        chat.interrupt()
        chat.wait_for(lambda: "cancelled" in chat.stderr, "the cancel notice")
        chat.send("/retry\n")
        chat.finish()
    [conversation] = conversations(run_cli, env)
    assert rows(conversation) == [("user", "complete", "question"), ("assistant", "complete", "Answered.")]
    retried = openai_server.completion_requests[1].body["messages"]
    assert [m["content"] for m in retried if m["role"] != "system"] == ["question"]  # sent once, not twice


def test_ask_refuses_an_argument_that_is_not_utf8_with_exit_2(run_cli: RunCli, tmp_path: Path, openai_server: OpenAIServer) -> None:
    import os

    env = env_for(tmp_path, openai_server)
    done = run_cli(env, "ask", os.fsdecode("서울 날씨".encode("cp949")))  # the raw CP949 bytes reach argv
    assert done.returncode == 2, done.stderr
    assert "the question is not valid UTF-8" in done.stderr and "Traceback" not in done.stderr
    assert openai_server.completion_requests == [] and conversations(run_cli, env) == []


# -- a stream that simply stops ------------------------------------------------------------------


class _CloseDelimitedStream(BaseHTTPRequestHandler):
    """Answers like a server whose SSE body is delimited by closing the connection (HTTP/1.0,
    no Content-Length, no chunking): two content chunks, then the connection closes. No
    finish_reason, no [DONE]; to the SDK it looks like a stream that ended normally."""

    def do_POST(self) -> None:  # noqa: N802 - the http.server API
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        for piece in ("It is ", "sunny"):
            chunk = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 0, "model": "gpt-4o-mini",
                     "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
        self.wfile.flush()

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def close_delimited_server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _CloseDelimitedStream)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    httpd.shutdown()
    httpd.server_close()


def test_a_stream_that_just_stops_is_an_incomplete_answer_exit_18(
    run_cli: RunCli, tmp_path: Path, close_delimited_server: str
) -> None:
    env = scratch_env(tmp_path, OPENAI_API_KEY=KEY, OPENAI_BASE_URL=close_delimited_server, BRIEFBOT_MAX_RETRIES="0",
                      BRIEFBOT_GROUNDING="0")
    done = run_cli(env, "ask", "weather?")
    assert done.returncode == 18, done.stderr
    assert "ended before the answer did" in done.stderr and "Traceback" not in done.stderr
    chat = run_cli(env, "chat", input="weather?\n")
    assert chat.returncode == 18 and "stopped" not in chat.stderr  # not reported as the user's stop
    first, second = conversations(run_cli, env)
    for conversation in (first, second):
        assert rows(conversation) == [("user", "complete", "weather?"), ("assistant", "incomplete", "It is sunny")]


def test_a_block_with_an_undecodable_line_is_dropped_whole(run_cli: RunCli, tmp_path: Path, openai_server: OpenAIServer) -> None:
    openai_server.script(Reply(text="After."))
    env = env_for(tmp_path, openai_server)
    with LiveProcess(env, "chat", cwd=tmp_path) as chat:
        chat.send(b'"""\nblock start\n\xbc\xad\nblock end\n"""\nafter\n')
        code = chat.finish()
    assert code == 2, chat.stderr
    assert "not valid UTF-8" in chat.stderr
    [conversation] = conversations(run_cli, env)
    assert [c for _, _, c in rows(conversation)] == ["after", "After."]  # no piece of the block was sent
    assert len(openai_server.completion_requests) == 1
