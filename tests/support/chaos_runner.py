"""Runs chaos sessions (one ``briefbot ask`` or one piped ``briefbot chat``) and checks every invariant.

After every process :class:`ChaosRunner` checks, and records each breach as a violation:

* the exit code is documented in the README and not 1; it is one the injected faults explain
  (a crash classified as something odd, such as 50, is a finding too); no traceback;
* the process ended within its deadline (generous: so much a process and so much a question;
  a process still running then is killed, and that is a violation);
* nothing printed carries a control character (so no escape sequence) or a canary secret;
* every user message is stored exactly once, in order (``/retry``, ``/undo`` and ``/reset``
  simulated), and each is followed by exactly one assistant row;
* an answer stored as complete is exactly an answer the server sent whole (openai), and an
  answer whose last request was cut, stalled or broken is not stored as complete;
* ``ask`` exit 0 printed an answer (``--json``: a JSON object with status complete); a chat
  with a bad input line does not exit 0; a chat that exits 0 stored only complete answers.

:meth:`ChaosRunner.finish` then reads history back through ``history list/show/export`` (same
output checks), and checks the files and the hosts: no canary anywhere under the scratch root,
every cache entry valid, SQLite ``integrity_check`` ok, no request reached the other host, the
data keys sent only to their own provider's paths, the OpenAI key to no data source, and no
secret in a body sent to the model.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading
import time
import zlib
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from random import Random

from connectors.redact import Redactor
from tests.support.chaos_checks import (
    AV_KEY,
    CG_KEY,
    cache_problems,
    documented_exit_codes,
    file_leaks,
    integrity_problems,
    output_problems,
)
from tests.support.fault_upstream import FaultUpstream
from tests.support.openai_faults import OpenAIFaultSchedule, last_user_message
from tests.support.openai_server import OpenAIServer

# Questions the planner reads with confidence, and two it cannot plan (the openai backend then
# asks the model which data to fetch: a planning request, faults included).
POOL = (
    "How much is 100 USD in EUR?",
    "What is the bitcoin price on Upbit?",
    "How is AAPL stock doing?",
    "What is the weather in Enschede?",
    "How is the air quality in Enschede?",
    "What is the bitcoin price in USD on CoinGecko?",
    "Enschede weather and USD to EUR rate?",
    "비트코인 시세 어때?",
    "Say hello.",
    "What should I wear today?",
)
BAD_LINE = b"\xc0\xaf not \xff UTF-8"
# Where each data key may go: its own provider's paths on the fault upstream.
OWN_PATHS = {AV_KEY: "/query", CG_KEY: "/api/v3/"}
# What the injected faults can explain: usage (2, a bad input line), the LLM codes the stand-in
# provokes, and the data-source codes. 14/15/20/40/50 and the rest would be findings.
EXPLAINED = {
    "openai": {0, 2, 11, 12, 13, 16, 17, 18, 19, *range(31, 39)},
    "embedded": {0, 2, *range(31, 39)},
}


class Questions:
    """Questions from :data:`POOL`, each made unique in a run by a tag (its rows and its requests
    are found by its text); the planner ignores the tag."""

    def __init__(self, rng: Random) -> None:
        self.rng = rng
        self._tags: set[str] = set()

    def draw(self) -> str:
        question = self.rng.choice(POOL)
        while (tag := "".join(self.rng.choice("bdgjvz") for _ in range(6))) in self._tags:
            pass
        self._tags.add(tag)
        return f"{question} (ref zq{tag})"


@dataclass
class Session:
    """One process: its arguments and stdin, the questions it asks, the user rows it must leave."""

    command: str  # "ask" or "chat"
    variant: str
    args: tuple[str, ...]
    stdin: bytes
    asked: list[str]  # questions sent, a /retry counting again
    expected: list[str]  # the user messages history must hold afterwards, in order
    input_faults: Counter[str] = field(default_factory=Counter)

    @classmethod
    def ask(cls, rng: Random, questions: Questions) -> Session:
        q = questions.draw()
        variant = rng.choice(("argv", "argv", "stdin", "--no-stream", "--json", "bad-utf8-stdin"))
        if variant == "bad-utf8-stdin":
            raw = q.encode()
            return cls("ask", variant, ("ask",), raw[:5] + BAD_LINE + raw[5:], [q], [], Counter(bad_utf8_stdin=1))
        if variant == "stdin":
            return cls("ask", variant, ("ask",), q.encode() + b"\n", [q], [q])
        flags = (variant,) if variant.startswith("--") else ()
        return cls("ask", variant, ("ask", *flags, q), b"", [q], [q])

    @classmethod
    def chat(cls, rng: Random, questions: Questions, size: int) -> Session:
        lines: list[bytes] = []
        conversations: list[list[str]] = [[]]  # as history will hold them; the last is current
        asked: list[str] = []
        faults: Counter[str] = Counter()
        for _ in range(size):
            roll = rng.random()
            current = conversations[-1]
            if roll < 0.06 and current:
                lines.append(b"/retry")  # undo + ask again: the question stays stored once
                asked.append(current[-1])
                faults["retry"] += 1
            elif roll < 0.09 and current:
                lines.append(b"/undo")
                current.pop()
                faults["undo"] += 1
            elif roll < 0.12:
                lines.append(b"/reset")
                conversations.append([])
                faults["reset"] += 1
            elif roll < 0.15:
                lines.append(b"/model gpt-4o")
                faults["model_switch"] += 1
            elif roll < 0.21:
                lines.append(BAD_LINE)
                faults["bad_utf8_line"] += 1
            q = questions.draw()
            if rng.random() < 0.1:
                lines += [b'"""', q.encode(), b'"""']  # a block holding one line is that line
                faults["block"] += 1
            else:
                lines.append(q.encode())
            conversations[-1].append(q)
            asked.append(q)
        expected = [q for conversation in conversations for q in conversation]
        return cls("chat", f"chat[{size}]", ("chat",), b"\n".join(lines) + b"\n", asked, expected, faults)


@dataclass(frozen=True)
class Row:
    conversation: int
    role: str
    content: str
    status: str
    model: str | None
    cancelled: int
    error: str | None


class ChaosRunner:
    def __init__(
        self,
        root: Path,
        env: dict[str, str],
        *,
        backend: str,
        secrets: Sequence[str],
        schedule: OpenAIFaultSchedule | None,
        deadline: tuple[float, float],
    ) -> None:
        self.root = root
        self.env = env
        self.backend = backend
        self.secrets = tuple(secrets)
        self.schedule = schedule
        self.deadline = deadline  # (seconds a process, seconds more a question): generous, a kill is a finding
        self.documented = documented_exit_codes()
        self.redactor = Redactor(secrets)
        self.history = root / "data" / "briefbot" / "history.sqlite3"
        self.violations: list[str] = []
        self.exits: Counter[int] = Counter()
        self.tried: Counter[str] = Counter()  # command -> questions
        self.input_faults: Counter[str] = Counter()
        self.processes = 0
        self.own_caches = 0  # processes that started with an empty HTTP cache
        self.slowest = 0.0  # seconds per question, the worst process
        self._lock = threading.Lock()
        self.notes: list[str] = []  # oddities that are not violations, printed with the figures

    def run_all(self, sessions: Sequence[Session | None], jobs: int) -> None:
        """Run the sessions, ``jobs`` processes at a time (they share one HOME, history and cache);
        a None keeps its number but is skipped (replaying chosen sessions)."""
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            runs = [pool.submit(self.run, n, session) for n, session in enumerate(sessions, 1) if session is not None]
            for outcome in runs:
                outcome.result()

    # -- one process ---------------------------------------------------------------------
    def run(self, number: int, session: Session) -> None:
        label = f"{self.backend} #{number} {session.command} {session.variant} ({session.asked[:1]})"
        with self._lock:
            self.processes += 1
            self.tried[session.command] += len(session.asked)
            self.input_faults.update(session.input_faults)
        deadline = self.deadline[0] + self.deadline[1] * len(session.asked)
        started = time.monotonic()
        try:
            done = subprocess.run(
                [sys.executable, "-m", "bot", *session.args], env=self._env_for(number, session), input=session.stdin,
                capture_output=True, timeout=deadline, cwd=self.root,
            )
        except subprocess.TimeoutExpired:
            self.violations.append(f"{label}: no exit within {deadline:.0f} s (killed)")
            return
        with self._lock:
            self.slowest = max(self.slowest, (time.monotonic() - started) / max(1, len(session.asked)))
            self.exits[done.returncode] += 1
        stdout, stderr = self._decode(label, done.stdout, "stdout"), self._decode(label, done.stderr, "stderr")
        self.violations.extend(output_problems(label, stdout, stderr, self.secrets))
        self._check_exit(label, session, done.returncode, stdout, stderr)
        found = len(self.violations)
        self._check_history(label, session, done.returncode, self._rows_of(session))
        if len(self.violations) > found:  # what the process said, to read the findings by
            self.violations.append(f"{label}: its stderr ended {stderr.strip()[-400:]!r}")

    def _env_for(self, number: int, session: Session) -> dict[str, str]:
        """Half the sessions (by their first question) start with an empty HTTP cache: a cache
        shared by all would answer most questions fresh, and they would never meet a data fault."""
        if zlib.crc32(session.asked[0].encode()) % 2:
            return self.env
        with self._lock:
            self.own_caches += 1
        return {**self.env, "XDG_CACHE_HOME": str(self.root / "caches" / str(number))}

    def _decode(self, label: str, data: bytes, name: str) -> str:
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            self.violations.append(f"{label}: {name} is not UTF-8 ({exc})")
            return data.decode("utf-8", "replace")

    def _check_exit(self, label: str, session: Session, code: int, stdout: str, stderr: str) -> None:
        tail = stderr.strip()[-300:]
        if code == 1 or code not in self.documented:
            self.violations.append(f"{label}: exit {code} (a crash or undocumented): {tail!r}")
        elif code not in EXPLAINED[self.backend]:
            self.violations.append(f"{label}: exit {code}, which no injected fault explains: {tail!r}")
        if session.variant == "bad-utf8-stdin" and code != 2:
            self.violations.append(f"{label}: a question that is not UTF-8 gave exit {code}, not 2")
        if session.command == "chat" and session.input_faults["bad_utf8_line"] and code == 0:
            self.violations.append(f"{label}: a line that is not UTF-8 was skipped, yet the chat exited 0")
        if session.command == "ask" and code == 0:
            if session.variant == "--json":
                try:
                    status = json.loads(stdout).get("status")
                except ValueError:
                    status = f"not JSON: {stdout[:100]!r}"
                if status != "complete":
                    self.violations.append(f"{label}: exit 0 with --json status {status}")
            elif not stdout.strip():
                self.violations.append(f"{label}: exit 0 but no answer printed")

    # -- history -------------------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection | None:
        if not self.history.exists():
            return None
        return sqlite3.connect(f"file:{self.history}?mode=ro", uri=True)

    def _last_conversation(self) -> int:
        conn = self._connect()
        if conn is None:
            return 0
        with conn:
            return int(conn.execute("SELECT COALESCE(MAX(id), 0) FROM conversations").fetchone()[0])

    def _rows_of(self, session: Session) -> list[Row]:
        """The rows of every conversation holding one of the session's questions (each is unique to it)."""
        conn = self._connect()
        if conn is None:
            return []
        asked = sorted(set(session.asked))
        marks = ",".join("?" * len(asked))
        with conn:
            rows = conn.execute(
                "SELECT conversation_id, role, content, status, model, cancelled, error FROM messages WHERE conversation_id IN"
                f" (SELECT conversation_id FROM messages WHERE role = 'user' AND content IN ({marks}))"
                " ORDER BY conversation_id, seq", asked,
            ).fetchall()
        return [Row(*row) for row in rows]

    def _check_history(self, label: str, session: Session, code: int, rows: list[Row]) -> None:
        users = [r.content for r in rows if r.role == "user"]
        if users != session.expected:
            missing = [q for q in session.expected if q not in users]
            extra = [q for q in users if users.count(q) > 1 or q not in session.expected]
            self.violations.append(
                f"{label}: user messages stored {len(users)}, expected {len(session.expected)}"
                f" (missing {missing[:3]}, duplicated or unexpected {extra[:3]}; exit {code})"
            )
        answers: list[tuple[str, Row]] = []
        question: str | None = None
        for row in rows:
            if row.role == "system":
                continue
            if row.role == "user":
                if question is not None:
                    self.violations.append(f"{label}: question {question!r} has no answer row")
                question = row.content
            elif row.role == "assistant":
                if question is None:
                    self.violations.append(f"{label}: an answer row with no question before it: {row.content[:80]!r}")
                else:
                    answers.append((question, row))
                question = None
        if question is not None:
            self.violations.append(f"{label}: question {question!r} has no answer row")
        for asked, row in answers:
            self._check_answer(label, asked, row)
        if code == 0 and any(row.status != "complete" for _, row in answers):
            self.violations.append(f"{label}: exit 0 with an answer stored {[r.status for _, r in answers]}")
        if session.command == "ask" and code == 18 and answers and answers[-1][1].status == "complete":
            self.violations.append(f"{label}: exit 18 (broken answer) but the answer is stored as complete")

    def _check_answer(self, label: str, question: str, row: Row) -> None:
        if row.status not in ("complete", "incomplete", "error") or row.cancelled:
            self.violations.append(f"{label}: answer to {question!r} stored {row.status}, cancelled={row.cancelled}")
        if self.schedule is None or row.model == "briefbot":
            return  # the embedded model's own text, or the program's answer: nothing to compare with
        requests = self.schedule.for_question(question)  # every attempt's (a /retry asks again)
        last = requests[-1] if requests else None
        whole = {self.redactor.scrub(s.text) for s in requests if s.completes and s.text and not s.planning}
        if row.status == "complete" and row.content not in whole:
            self.violations.append(
                f"{label}: answer to {question!r} stored as complete but never sent whole"
                f" (last request: {last.kind if last else None}): {row.content[:80]!r}"
            )
        if last is None or last.planning:
            return  # the turn ended at its planning call: no answer request to compare with
        if not last.completes and row.status == "complete":
            self.violations.append(f"{label}: the last answer request for {question!r} was {last.kind}, yet stored complete")
        if last.completes and row.status != "complete":
            # Not a violation: a client starved of CPU may time out on an answer sent in time.
            with self._lock:
                self.notes.append(f"{label}: answer to {question!r} sent whole ({[s.kind for s in requests]}) but"
                                  f" stored {row.status} ({row.error})")

    # -- the end -------------------------------------------------------------------------
    def finish(self, upstream: FaultUpstream, server: OpenAIServer | None = None) -> None:
        self._read_history_back()
        self.violations.extend(file_leaks(self.root, self.secrets))
        for caches in (self.root / "cache", self.root / "caches"):
            self.violations.extend(f"cache: {p}" for p in cache_problems(caches))
        self.violations.extend(integrity_problems(self.root))
        self.violations.extend(f"another host was reached: {r[:120]}" for r in upstream.sink_requests)
        # Each secret goes to its own host only: no key in what the data sources received, no
        # data key in what the model was sent, the OpenAI key nowhere but its Authorization header.
        for path, headers in upstream.received:
            sent = path + json.dumps(headers)
            for key, home in OWN_PATHS.items():
                if key in sent and not path.startswith(home):
                    self.violations.append(f"secret {key[:8]}… sent to {path.split('?')[0]}")
            if server is not None and server.api_key and server.api_key in sent:
                self.violations.append(f"the OpenAI key was sent to a data source ({path.split('?')[0]})")
        for request in server.requests if server is not None else []:
            body = json.dumps(request.body, ensure_ascii=False)
            self.violations.extend(f"secret {s[:8]}… sent to the model with {last_user_message(request.body)!r}"
                                   for s in self.secrets if s in body)

    def _read_history_back(self) -> None:
        """What was stored (escape-laden answers, echoed keys) is shown again safely by history's own commands."""
        last = self._last_conversation()
        commands = [("history", "list", "-n", "1000"), ("history", "export", "--format", "md"),
                    ("history", "export", "--format", "json")] + ([("history", "show", str(last))] if last else [])
        for args in commands:
            done = subprocess.run([sys.executable, "-m", "bot", *args], env=self.env, capture_output=True,
                                  timeout=self.deadline[0], cwd=self.root)
            label = f"{self.backend} {' '.join(args[:3])}"
            if done.returncode != 0:
                self.violations.append(f"{label}: exit {done.returncode}: {done.stderr[-300:]!r}")
            stdout, stderr = self._decode(label, done.stdout, "stdout"), self._decode(label, done.stderr, "stderr")
            self.violations.extend(output_problems(label, stdout, stderr, self.secrets))

    def report(self, started: float, *, upstream: FaultUpstream) -> None:
        print(f"{self.backend}: questions tried by command {dict(self.tried)} in {self.processes} processes"
              f" ({self.own_caches} with an empty HTTP cache),"
              f" {time.monotonic() - started:.0f} s (slowest process {self.slowest:.1f} s a question)")
        if self.schedule is not None:
            print(f"  openai faults by kind ({len(self.schedule.served)} requests): {dict(sorted(self.schedule.injected.items()))}")
        print(f"  data faults by kind ({len(upstream.log)} requests): {dict(sorted(upstream.injected.items()))}")
        print(f"  input faults: {dict(sorted(self.input_faults.items()))}")
        print(f"  exit codes: {dict(sorted(self.exits.items()))}; violations: {len(self.violations)}")
        for note in self.notes:
            print(f"  note: {note}")
