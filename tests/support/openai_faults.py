"""A seeded fault schedule for the OpenAI stand-in: what each chat completion request gets.

:class:`OpenAIFaultSchedule` is passed as :class:`~tests.support.openai_server.OpenAIServer`'s
``schedule``. Each completion request's fate is drawn from a generator seeded by (seed, the
request's last user message, how many requests that message had before), so a schedule
replays from its seed whatever order the questions' requests interleave in::

    schedule = OpenAIFaultSchedule(seed, canary=KEY, stall_seconds=3.0)
    with OpenAIServer(schedule=schedule, api_key=KEY) as server:
        ...                       # point OPENAI_BASE_URL at server.base_url
    schedule.injected             # Counter: kind -> requests
    schedule.served               # one Served per request, in arrival order

Kinds (:data:`OPENAI_FAULT_KINDS`), each in OpenAI's own wire format:

    ok            an answer (a planning request, one with ``tools``, may get a tool call)
    unauthorized  401 invalid_api_key
    rate_limit    429 rate_limit_exceeded with ``retry-after`` (s) or ``retry-after-ms``
    quota         429 insufficient_quota
    server_error  500 or 503 with OpenAI's server_error body
    stall_first   silence before the first token: before the status line, or after the role chunk
    stall_mid     a few tokens, then silence longer than any client waits
    cut_chunked   a few tokens, then a chunked body without its terminator (no finish_reason)
    cut_close     a few tokens, then a close-delimited body that ends (no finish_reason, no [DONE])
    bad_chunk     an event that is no chunk: not JSON, or JSON of another shape (plain: such a body)
    escapes       an answer carrying OSC title/clipboard, CSI clear-screen and C1 controls,
                  split across chunks at random points
    canary_split  an answer echoing the canary key, split across two or three chunks
    canary_cut    an answer echoing the canary key that breaks inside the key (a stall or a bad
                  chunk right after the piece holding the key's first part)

``stall_seconds`` must be longer than the client's timeout: a stall is meant to time out.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tests.support.openai_server import BAD_CHUNKS, Behaviour, Cut, Error, RecordedRequest, Reply, ToolCall

OPENAI_FAULT_KINDS: tuple[str, ...] = (
    "ok", "unauthorized", "rate_limit", "quota", "server_error", "stall_first", "stall_mid",
    "cut_chunked", "cut_close", "bad_chunk", "escapes", "canary_split", "canary_cut",
)
# Answers that arrive whole (a client reading them to the end has a complete answer).
COMPLETE_KINDS = frozenset({"ok", "escapes", "canary_split"})
# Most requests answer, so that history, sources and later turns see real answers too.
DEFAULT_WEIGHTS: Mapping[str, int] = {kind: 1 for kind in OPENAI_FAULT_KINDS} | {"ok": 5, "escapes": 2, "canary_split": 2}

ANSWERS = (
    "The figures above are the latest the sources gave.",
    "Here is the short summary you asked for, with the sources below.",
    "Rates moved a little today; see the sources for the exact figures.",
    "It looks calm for now.",
)
# Each one drives a terminal: window title, clipboard write, screen clear, cursor home,
# colour, a terminal reset, 8-bit CSI and OSC, a bell and a carriage return.
ESCAPES = (
    "\x1b]0;pwned\x07", "\x1b]52;c;ZXZpbA==\x07", "\x1b[2J", "\x1b[H", "\x1b[31m", "\x1bc",
    "\x9b2J", "\x9d0;pwned\x9c", "\x07", "\r", "\x1b]8;;http://evil.example/\x1b\\",
)
# Tool calls a planning request may get: (tool name, arguments) the built-in connectors accept.
TOOL_CALLS = (
    ("fetch_fx", {"base": "USD", "symbols": "EUR"}),
    ("fetch_weather", {"place": "Enschede"}),
    ("fetch_crypto", {"market": "KRW-BTC"}),
)


@dataclass(frozen=True)
class Served:
    """One completion request and what it got."""

    index: int
    kind: str
    question: str  # the content of the request's last user message
    stream: bool
    planning: bool  # the request offered tools (the model plans which data to fetch)
    text: str | None  # the full answer text a complete reply carries; None otherwise

    @property
    def completes(self) -> bool:
        return self.kind in COMPLETE_KINDS


def last_user_message(body: Any) -> str:
    messages = body.get("messages") if isinstance(body, Mapping) else None
    for message in reversed(messages or []):
        if isinstance(message, Mapping) and message.get("role") == "user":
            content = message.get("content")
            # A grounded turn sends "<fenced data>\n\nQuestion: <question>"; the question is the tail.
            return content.rsplit("\n\nQuestion: ", 1)[-1] if isinstance(content, str) else ""
    return ""


def split_at(text: str, cuts: Sequence[int]) -> list[str]:
    """``text`` in pieces cut at the given offsets (sorted, deduplicated, inside the text)."""
    points = sorted({c for c in cuts if 0 < c < len(text)})
    return [text[a:b] for a, b in zip([0, *points], [*points, len(text)])]


class OpenAIFaultSchedule:
    def __init__(
        self,
        seed: int,
        *,
        canary: str,
        stall_seconds: float = 3.0,
        weights: Mapping[str, int] = DEFAULT_WEIGHTS,
    ) -> None:
        unknown = set(weights) - set(OPENAI_FAULT_KINDS)
        if unknown:
            raise ValueError(f"unknown fault kinds: {sorted(unknown)}")
        self.seed = seed
        self.canary = canary
        self.stall_seconds = stall_seconds
        self._kinds = [k for k in OPENAI_FAULT_KINDS if weights.get(k, 0) > 0]
        self._weights = [weights[k] for k in self._kinds]
        self._lock = threading.Lock()
        self._requests_per_question: Counter[str] = Counter()
        self.injected: Counter[str] = Counter()
        self.served: list[Served] = []

    def __call__(self, request: RecordedRequest) -> Behaviour:
        body = request.body if isinstance(request.body, Mapping) else {}
        stream = body.get("stream") is True
        planning = bool(body.get("tools"))
        question = last_user_message(body)
        with self._lock:  # the server answers from several threads
            rng = random.Random(f"{self.seed}:{question}:{self._requests_per_question[question]}")
            self._requests_per_question[question] += 1
            kind = rng.choices(self._kinds, self._weights)[0]
            behaviour, text = self._behaviour(kind, planning, rng)
            self.injected[kind] += 1
            self.served.append(Served(len(self.served), kind, question, stream, planning, text))
        return behaviour

    def for_question(self, question: str) -> list[Served]:
        with self._lock:
            return [s for s in self.served if s.question == question]

    # -- one behaviour per kind ----------------------------------------------------------
    def _behaviour(self, kind: str, planning: bool, rng: random.Random) -> tuple[Behaviour, str | None]:
        text = rng.choice(ANSWERS)
        if kind == "ok":
            if planning and rng.random() < 0.5:
                name, arguments = rng.choice(TOOL_CALLS)
                return Reply(text=None, tool_calls=(ToolCall(name, arguments),)), ""
            return Reply(text=text, usage=rng.random() < 0.8), text
        if kind == "unauthorized":
            return Error.invalid_api_key(), None
        if kind == "rate_limit":
            if rng.random() < 0.5:
                return Error.rate_limit(retry_after=rng.choice((1, 3600))), None
            return Error.rate_limit(retry_after_ms=rng.choice((10, 250))), None
        if kind == "quota":
            return Error.insufficient_quota(), None
        if kind == "server_error":
            return rng.choice((Error.server_error(), Error.overloaded())), None
        if kind == "stall_first":
            if rng.random() < 0.5:
                return Reply(text=text, delay=self.stall_seconds), None
            return Reply(text=text, stall=self.stall_seconds, stall_after=1), None
        if kind == "stall_mid":
            return Reply(text=text, stall=self.stall_seconds, stall_after=rng.randint(2, 4)), None
        if kind in ("cut_chunked", "cut_close"):
            return Cut(text=text, after=rng.randint(0, 3), framing="chunked" if kind == "cut_chunked" else "close"), None
        if kind == "bad_chunk":
            return Reply(text=text, bad_chunk=rng.choice(BAD_CHUNKS), bad_chunk_at=rng.randint(1, 3)), None
        if kind == "escapes":
            return self._escapes(text, rng)
        if kind == "canary_split":
            return self._canary(text, rng)
        if kind == "canary_cut":
            return self._canary_cut(text, rng)
        raise AssertionError(kind)

    def _escapes(self, text: str, rng: random.Random) -> tuple[Behaviour, str]:
        words = text.split(" ")
        for _ in range(rng.randint(2, 5)):
            words.insert(rng.randrange(len(words) + 1), rng.choice(ESCAPES))
        laden = " ".join(words)
        # Cut anywhere, inside an escape sequence too: a terminal filter must hold across chunks.
        pieces = split_at(laden, [rng.randrange(1, len(laden)) for _ in range(rng.randint(3, 8))])
        return Reply(text=laden, pieces=pieces), laden

    def _canary(self, text: str, rng: random.Random) -> tuple[Behaviour, str]:
        lead = rng.choice(("Your key is ", "I was configured with ", "key: ", "(", "Authorization: Bearer "))
        echoed = f"{lead}{self.canary} {text}"
        start = len(lead)
        cuts = [start + rng.randrange(1, len(self.canary)) for _ in range(rng.randint(1, 2))]
        if rng.random() < 0.5:
            cuts.append(rng.randrange(1, start + 1))  # the lead-in arrives in pieces too
        return Reply(text=echoed, pieces=split_at(echoed, cuts)), echoed

    def _canary_cut(self, text: str, rng: random.Random) -> tuple[Behaviour, None]:
        lead = rng.choice(("Your key is ", "key: ", "Bearer "))
        at = len(lead) + rng.randrange(1, len(self.canary))
        pieces = split_at(f"{lead}{self.canary} {text}", [at])
        # Content piece i is stream chunk 1 + i (after the role chunk): break before piece 1.
        if rng.random() < 0.5:
            return Reply(text=None, pieces=pieces, stall=self.stall_seconds, stall_after=2), None
        return Reply(text=None, pieces=pieces, bad_chunk=rng.choice(BAD_CHUNKS), bad_chunk_at=2), None
