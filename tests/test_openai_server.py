"""The local OpenAI server speaks the real wire format: proven through the real openai SDK.

These tests also pin down how the SDK (3.x) reacts to each failure, which is what briefbot's
error translation relies on: the exception class, the body fields, and how many attempts.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openai
import pytest

from tests.support import fixtures
from tests.support.openai_server import Cut, Error, OpenAIServer, Reply, ToolCall

# The `openai_server` fixture, until tests/conftest.py imports it for every module.
openai_server = fixtures.openai_server

REPO_ROOT = Path(__file__).resolve().parent.parent
KEY = "sk-test-0123456789abcdef"
MESSAGES: list[Any] = [{"role": "user", "content": "What's the weather in Seoul?"}]


def client(server: OpenAIServer, **options: Any) -> openai.OpenAI:
    options.setdefault("max_retries", 0)
    return openai.OpenAI(base_url=server.base_url, api_key=KEY, **options)


def ask(server: OpenAIServer, **options: Any) -> Any:
    return client(server, **options).chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)


def stream(server: OpenAIServer, include_usage: bool = True, **options: Any) -> Iterator[Any]:
    return iter(client(server, **options).chat.completions.create(
        model="gpt-4o-mini",
        messages=MESSAGES,
        stream=True,
        stream_options={"include_usage": include_usage},
    ))


# --------------------------------------------------------------------------- success


def test_plain_reply_parses_with_usage_and_records_the_request(openai_server: OpenAIServer) -> None:
    openai_server.script(Reply(text="Sunny, 21 °C.", prompt_tokens=30, completion_tokens=5))

    completion = ask(openai_server)

    assert completion.object == "chat.completion"
    assert completion.model == "gpt-4o-mini"
    assert completion.choices[0].message.role == "assistant"
    assert completion.choices[0].message.content == "Sunny, 21 °C."
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage is not None
    usage = completion.usage
    assert (usage.prompt_tokens, usage.completion_tokens, usage.total_tokens) == (30, 5, 35)
    (request,) = openai_server.requests
    assert request.method == "POST" and request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert request.body["messages"] == MESSAGES
    assert openai_server.pending == 0


def test_default_reply_when_the_script_is_empty(openai_server: OpenAIServer) -> None:
    openai_server.default = Reply(text="default answer")
    assert ask(openai_server).choices[0].message.content == "default answer"
    assert ask(openai_server).choices[0].message.content == "default answer"


def test_base_url_without_v1_and_the_models_list(openai_server: OpenAIServer) -> None:
    bare = openai.OpenAI(base_url=openai_server.url, api_key=KEY, max_retries=0)
    assert bare.chat.completions.create(model="gpt-4o", messages=MESSAGES).model == "gpt-4o"
    assert "gpt-4o-mini" in [m.id for m in client(openai_server).models.list()]
    assert [r.route for r in openai_server.requests] == ["/chat/completions", "/models"]


def test_header_values_stay_out_of_reprs(openai_server: OpenAIServer) -> None:
    ask(openai_server)
    assert KEY not in repr(openai_server.requests)


def test_stream_with_include_usage_ends_with_a_usage_chunk(openai_server: OpenAIServer) -> None:
    openai_server.script(Reply(text="It is sunny in Seoul."))

    chunks = list(stream(openai_server, include_usage=True))

    assert chunks[0].choices[0].delta.role == "assistant"
    deltas = [c.choices[0].delta.content for c in chunks[1:] if c.choices and c.choices[0].delta.content]
    assert len(deltas) > 1 and "".join(deltas) == "It is sunny in Seoul."
    assert chunks[-2].choices[0].finish_reason == "stop"
    assert chunks[-1].choices == [] and chunks[-1].usage is not None
    assert chunks[-1].usage.completion_tokens == len(deltas)
    assert all(c.usage is None for c in chunks[:-1])
    assert openai_server.requests[0].body["stream_options"] == {"include_usage": True}


def test_stream_without_include_usage_sends_no_usage(openai_server: OpenAIServer) -> None:
    chunks = list(stream(openai_server, include_usage=False))
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert all(c.usage is None for c in chunks)


def test_no_usage_variant_ignores_include_usage(openai_server: OpenAIServer) -> None:
    openai_server.script(Reply(text="No usage here.", usage=False))
    chunks = list(stream(openai_server, include_usage=True))
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == "No usage here."
    assert all(c.usage is None and c.choices for c in chunks)


def test_tool_calls_parse_plain_and_streamed(openai_server: OpenAIServer) -> None:
    call = ToolCall("get_weather", {"city": "Seoul", "unit": "celsius"}, id="call_abc")
    openai_server.script(Reply(text=None, tool_calls=[call]), Reply(text=None, tool_calls=[call]))

    choice = ask(openai_server).choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.content is None
    (tool_call,) = choice.message.tool_calls or []
    assert (tool_call.id, tool_call.type, tool_call.function.name) == ("call_abc", "function", "get_weather")
    assert json.loads(tool_call.function.arguments) == {"city": "Seoul", "unit": "celsius"}

    # Streamed: identity first, then the arguments string in pieces, accumulated by index.
    chunks = list(stream(openai_server))
    names: dict[int, str] = {}
    arguments: dict[int, str] = {}
    for chunk in chunks:
        if not chunk.choices:  # the usage chunk
            continue
        for delta in chunk.choices[0].delta.tool_calls or []:
            assert delta.function is not None
            if delta.function.name:
                names[delta.index] = delta.function.name
            arguments[delta.index] = arguments.get(delta.index, "") + (delta.function.arguments or "")
    assert names == {0: "get_weather"}
    assert json.loads(arguments[0]) == {"city": "Seoul", "unit": "celsius"}
    assert chunks[-2].choices[0].finish_reason == "tool_calls"


# --------------------------------------------------------------------------- broken streams and timeouts


def test_cut_stream_raises_api_connection_error_after_partial_deltas(openai_server: OpenAIServer) -> None:
    openai_server.script(Cut(text="Partly cloudy with rain later.", after=2))
    received: list[str] = []

    with pytest.raises(openai.APIConnectionError) as caught:
        for chunk in stream(openai_server, max_retries=2):
            received.append(chunk.choices[0].delta.content or "")

    assert type(caught.value) is openai.APIConnectionError  # not the APITimeoutError subclass
    assert "".join(received) == "Partly cloudy"
    assert len(openai_server.requests) == 1  # errors after the stream started are never retried


def test_cut_plain_body_is_a_connection_error_and_is_retried(openai_server: OpenAIServer) -> None:
    openai_server.script(Cut(), Cut())
    with pytest.raises(openai.APIConnectionError) as caught:
        ask(openai_server, max_retries=1)
    assert type(caught.value) is openai.APIConnectionError
    assert len(openai_server.requests) == 2


def test_slow_reply_raises_api_timeout_error(openai_server: OpenAIServer) -> None:
    openai_server.script(Reply(delay=5.0))
    with pytest.raises(openai.APITimeoutError):
        ask(openai_server, timeout=0.5)
    assert len(openai_server.requests) == 1


def test_stall_mid_stream_raises_api_timeout_error_while_iterating(openai_server: OpenAIServer) -> None:
    openai_server.script(Reply(chunk_delay=5.0))
    chunks = stream(openai_server, timeout=0.5)
    first = next(chunks)
    assert first.choices[0].delta.role == "assistant"
    with pytest.raises(openai.APITimeoutError):
        next(chunks)


def test_stop_does_not_wait_for_a_pending_slow_reply() -> None:
    server = OpenAIServer(default=Reply(delay=60.0)).start()
    outcome: list[BaseException] = []

    def call() -> None:
        try:
            ask(server)
        except BaseException as exc:  # noqa: BLE001  (reported to the test thread below)
            outcome.append(exc)

    caller = threading.Thread(target=call)
    caller.start()
    while not server.requests:
        threading.Event().wait(0.01)
    stopper = threading.Thread(target=server.stop)
    stopper.start()
    stopper.join(timeout=10)
    caller.join(timeout=10)
    assert not stopper.is_alive() and not caller.is_alive()
    # The pending request is dropped unanswered: to the client, a plain connection error.
    assert [type(e) for e in outcome] == [openai.APIConnectionError]


# --------------------------------------------------------------------------- errors


def test_401_invalid_api_key(openai_server: OpenAIServer) -> None:
    openai_server.script(Error.invalid_api_key())
    with pytest.raises(openai.AuthenticationError) as caught:
        ask(openai_server, max_retries=2)
    error = caught.value
    assert error.status_code == 401 and error.code == "invalid_api_key"
    assert error.type == "invalid_request_error" and error.param is None
    # The SDK unwraps {"error": {...}} and keeps the inner object as `body`.
    assert isinstance(error.body, dict) and set(error.body) == {"message", "type", "param", "code"}
    assert error.request_id is not None and error.request_id.startswith("req_")
    assert len(openai_server.requests) == 1  # 401 is not retried


def test_401_on_a_stream_request_raises_before_iteration(openai_server: OpenAIServer) -> None:
    openai_server.script(Error.invalid_api_key())
    with pytest.raises(openai.AuthenticationError):
        stream(openai_server)


def test_required_key_is_checked(openai_server: OpenAIServer) -> None:
    openai_server.api_key = "sk-test-right"
    with pytest.raises(openai.AuthenticationError) as caught:
        ask(openai_server)
    assert caught.value.code == "invalid_api_key"
    good = openai.OpenAI(base_url=openai_server.base_url, api_key="sk-test-right", max_retries=0)
    assert good.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES).choices


@pytest.mark.parametrize("header", [{"retry_after_ms": 10}, {"retry_after": 0.01}])
def test_429_with_retry_after_then_success_takes_two_requests(
    openai_server: OpenAIServer, header: dict[str, float]
) -> None:
    openai_server.script(Error.rate_limit(**header), Reply(text="after the wait"))
    assert ask(openai_server, max_retries=2).choices[0].message.content == "after the wait"
    assert len(openai_server.completion_requests) == 2
    assert openai_server.pending == 0


def test_429_rate_limit_after_all_retries(openai_server: OpenAIServer) -> None:
    openai_server.script(*[Error.rate_limit(retry_after_ms=1)] * 3)
    with pytest.raises(openai.RateLimitError) as caught:
        ask(openai_server, max_retries=2)
    assert caught.value.code == "rate_limit_exceeded" and caught.value.type == "requests"
    assert "gpt-4o-mini" in caught.value.message  # the request's model is echoed
    assert len(openai_server.requests) == 3


def test_429_insufficient_quota(openai_server: OpenAIServer) -> None:
    openai_server.script(Error.insufficient_quota())
    with pytest.raises(openai.RateLimitError) as caught:
        ask(openai_server)
    assert caught.value.code == "insufficient_quota" and caught.value.type == "insufficient_quota"


def test_sdk_retries_insufficient_quota_unless_told_not_to(openai_server: OpenAIServer) -> None:
    # A fact the bot must know: the SDK retries every 429, quota or not, unless the
    # response says `x-should-retry: false`.
    quota = dataclasses.replace(Error.insufficient_quota(), retry_after_ms=1)  # keeps the retry fast
    openai_server.script(quota, quota)
    with pytest.raises(openai.RateLimitError):
        ask(openai_server, max_retries=1)
    assert len(openai_server.requests) == 2

    openai_server.reset()
    openai_server.script(Error.insufficient_quota(should_retry=False))
    with pytest.raises(openai.RateLimitError):
        ask(openai_server, max_retries=2)
    assert len(openai_server.requests) == 1


def test_500_then_ok(openai_server: OpenAIServer) -> None:
    openai_server.script(Error.server_error(), Reply(text="recovered"))
    assert ask(openai_server, max_retries=2).choices[0].message.content == "recovered"
    assert len(openai_server.requests) == 2


@pytest.mark.parametrize("error", [Error.server_error(), Error.overloaded()])
def test_5xx_is_internal_server_error(openai_server: OpenAIServer, error: Error) -> None:
    openai_server.script(error)
    with pytest.raises(openai.InternalServerError) as caught:
        ask(openai_server)
    assert caught.value.status_code == error.status and caught.value.type == "server_error"


def test_400_context_length_exceeded(openai_server: OpenAIServer) -> None:
    openai_server.script(Error.context_length_exceeded())
    with pytest.raises(openai.BadRequestError) as caught:
        ask(openai_server, max_retries=2)
    assert caught.value.code == "context_length_exceeded" and caught.value.param == "messages"
    assert len(openai_server.requests) == 1


def test_404_model_not_found(openai_server: OpenAIServer) -> None:
    openai_server.script(Error.model_not_found())
    with pytest.raises(openai.NotFoundError) as caught:
        client(openai_server).chat.completions.create(model="gpt-nope", messages=MESSAGES)
    assert caught.value.code == "model_not_found"
    assert "`gpt-nope`" in caught.value.message


def test_unknown_path_gets_openais_invalid_url_error(openai_server: OpenAIServer) -> None:
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(openai_server.base_url + "/nothing", timeout=5)
    assert caught.value.code == 404
    assert json.load(caught.value)["error"]["message"] == "Invalid URL (GET /v1/nothing)"


# --------------------------------------------------------------------------- as a process


def test_runs_as_a_process_with_a_scenario(tmp_path: Path) -> None:
    record = tmp_path / "requests.jsonl"
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.support.openai_server", "--port", "0",
         "--scenario", "429-then-ok", "--text", "from a process", "--record", str(record)],
        cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert process.stdout is not None
        ready = process.stdout.readline().split()
        assert ready[0] == "READY" and ready[1].startswith("http://127.0.0.1:") and ready[1].endswith("/v1")
        sdk = openai.OpenAI(base_url=ready[1], api_key=KEY, max_retries=2)
        answer = sdk.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
        assert answer.choices[0].message.content == "from a process"
    finally:
        process.terminate()
        assert process.wait(timeout=10) == 0
    lines = [json.loads(line) for line in record.read_text().splitlines()]
    assert len(lines) == 2 and all(line["bearer"] for line in lines)
    assert KEY not in record.read_text()
