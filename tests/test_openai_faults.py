"""The OpenAI stand-in's fault behaviours and the seeded schedule that drives them, through the real SDK.

These pin down what the SDK (3.x) does with each fault, which is what briefbot has to handle:
a stall is a timeout after the role chunk, a close-delimited cut is a stream that simply ends
(no exception at all), a bad chunk or a non-JSON body is no ``OpenAIError`` but a
``JSONDecodeError`` or a raw object of the wrong shape.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import openai
import pytest

from tests.support.openai_faults import COMPLETE_KINDS, OPENAI_FAULT_KINDS, OpenAIFaultSchedule, split_at
from tests.support.openai_server import BAD_EVENT_DATA, Cut, OpenAIServer, RecordedRequest, Reply

KEY = "sk-test-0123456789abcdef"
MESSAGES: list[Any] = [{"role": "user", "content": "What's the weather in Seoul?"}]


def client(server: OpenAIServer, **options: Any) -> openai.OpenAI:
    options.setdefault("max_retries", 0)
    return openai.OpenAI(base_url=server.base_url, api_key=KEY, **options)


def stream(server: OpenAIServer, **options: Any) -> Iterator[Any]:
    return iter(client(server, **options).chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True))


def contents(chunks: list[Any]) -> str:
    return "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)


def test_a_close_delimited_cut_ends_the_stream_quietly_without_finish_reason(openai_server: OpenAIServer) -> None:
    openai_server.script(Cut(text="Partly cloudy with rain later.", after=2, framing="close"))
    chunks = list(stream(openai_server))  # no exception: to the SDK the body just ended
    assert contents(chunks) == "Partly cloudy"
    assert all(c.choices[0].finish_reason is None for c in chunks)


def test_a_close_delimited_cut_of_a_plain_answer_is_not_json(openai_server: OpenAIServer) -> None:
    openai_server.script(Cut(framing="close"))
    with pytest.raises(json.JSONDecodeError):
        client(openai_server).chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)


def test_a_stall_after_the_role_chunk_times_out_before_the_first_token(openai_server: OpenAIServer) -> None:
    openai_server.script(Reply(stall=5.0, stall_after=1))
    chunks = stream(openai_server, timeout=0.5)
    assert next(chunks).choices[0].delta.role == "assistant"
    with pytest.raises(openai.APITimeoutError):
        next(chunks)


def test_a_stall_mid_stream_comes_after_some_tokens(openai_server: OpenAIServer) -> None:
    openai_server.script(Reply(text="one two three four", stall=5.0, stall_after=3))
    chunks = stream(openai_server, timeout=0.5)
    received = [next(chunks) for _ in range(3)]
    assert contents(received) == "one two"
    with pytest.raises(openai.APITimeoutError):
        next(chunks)


def test_a_bad_chunk_is_a_json_error_not_an_openai_error(openai_server: OpenAIServer) -> None:
    openai_server.script(Reply(text="one two three", bad_chunk=BAD_EVENT_DATA, bad_chunk_at=2))
    received: list[Any] = []
    with pytest.raises(json.JSONDecodeError):
        for chunk in stream(openai_server):
            received.append(chunk)
    assert contents(received) == "one"


def test_a_chunk_of_another_shape_reaches_the_caller_unvalidated(openai_server: OpenAIServer) -> None:
    openai_server.script(Reply(text="one two", bad_chunk='{"choices": null}', bad_chunk_at=1))
    chunks = list(stream(openai_server))
    assert chunks[1].choices is None  # whoever reads it must check it
    assert contents([chunks[0], *chunks[2:]]) == "one two"


def test_a_plain_answer_that_is_not_json(openai_server: OpenAIServer) -> None:
    openai_server.script(Reply(bad_chunk="<html><body>502 Bad Gateway</body></html>"))
    with pytest.raises(json.JSONDecodeError):
        client(openai_server).chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)


def test_pieces_split_an_escape_sequence_and_a_key_exactly_as_given(openai_server: OpenAIServer) -> None:
    pieces = ["Title\x1b]0;pw", "ned\x07 key sk-proj-AAAA", "BBBBCCCCDDDD1234 end"]
    openai_server.script(Reply(text="".join(pieces), pieces=pieces))
    chunks = list(stream(openai_server))
    assert [c.choices[0].delta.content for c in chunks[1:4]] == pieces


# --------------------------------------------------------------------------- the schedule


def _request(question: str, *, stream: bool = True, tools: bool = False) -> RecordedRequest:
    body: dict[str, Any] = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": question}], "stream": stream}
    if tools:
        body["tools"] = [{"type": "function", "function": {"name": "fetch_fx"}}]
    return RecordedRequest("POST", "/v1/chat/completions", {}, body)


def test_the_schedule_replays_per_question_whatever_the_arrival_order() -> None:
    questions = [f"question {i}" for i in range(60)]
    first = OpenAIFaultSchedule(7, canary="sk-proj-CANARYCANARYCANARY1234")
    second = OpenAIFaultSchedule(7, canary="sk-proj-CANARYCANARYCANARY1234")
    a = [first(_request(q)) for q in questions for _ in range(2)]
    b = {q: [second(_request(q)) for _ in range(2)] for q in reversed(questions)}
    assert a == [behaviour for q in questions for behaviour in b[q]]
    assert set(first.injected) == set(OPENAI_FAULT_KINDS)  # 120 draws reach every kind
    assert first.injected == second.injected
    assert OpenAIFaultSchedule(8, canary="sk-proj-CANARYCANARYCANARY1234")(_request("question 0")) is not None


def test_the_schedule_records_what_each_request_got() -> None:
    canary = "sk-proj-CANARYCANARYCANARY1234"
    schedule = OpenAIFaultSchedule(3, canary=canary, weights={"canary_split": 1})
    behaviour = schedule(_request("q"))
    assert isinstance(behaviour, Reply) and behaviour.pieces is not None
    assert canary in "".join(behaviour.pieces) and not any(canary in piece for piece in behaviour.pieces)
    [served] = schedule.for_question("q")
    assert served.kind == "canary_split" and served.completes and served.text == "".join(behaviour.pieces)
    planning = OpenAIFaultSchedule(3, canary=canary, weights={"stall_mid": 1})
    planning(_request("p", stream=False, tools=True))
    [served] = planning.served
    assert served.planning and not served.stream and not served.completes and served.text is None
    assert COMPLETE_KINDS <= set(OPENAI_FAULT_KINDS)


def test_split_at_cuts_only_inside_the_text() -> None:
    assert split_at("abcdef", [0, 2, 2, 4, 6, 9]) == ["ab", "cd", "ef"]
    assert split_at("abc", []) == ["abc"]


def test_a_scheduled_server_answers_each_request_by_the_schedule(openai_server: OpenAIServer) -> None:
    openai_server.schedule = OpenAIFaultSchedule(5, canary="sk-proj-CANARYCANARYCANARY1234", weights={"unauthorized": 1})
    with pytest.raises(openai.AuthenticationError):
        client(openai_server).chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    openai_server.script(Reply(text="scripted first"))  # a script still comes before the schedule
    answer = client(openai_server).chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    assert answer.choices[0].message.content == "scripted first"
