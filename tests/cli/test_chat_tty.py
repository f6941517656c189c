"""Chat on a real terminal (a pty): progress shows while a source is fetched, and Ctrl-C typed
at three moments (fetching, waiting for the model, mid-answer) cancels each turn while the
chat stays alive. The keystroke goes through the terminal's line discipline, as a user's does."""

from __future__ import annotations

import json
import os
import pty
import select
import sys
import time
from collections.abc import Callable
from pathlib import Path


from tests.conftest import RunCli, scratch_env
from tests.support.openai_server import OpenAIServer, Reply
from tests.support.replay_server import ReplayServer

KEY = "sk-test-CANARY0123456789abcdefWXYZ"
FX_QUESTION = "What is the USD to EUR exchange rate?"
CTRL_C, CTRL_D = b"\x03", b"\x04"
WAIT = 60.0


class Terminal:
    """A child process whose controlling terminal is a pty we type into and read from."""

    def __init__(self, env: dict[str, str], *args: str, cwd: Path) -> None:
        pid, fd = pty.fork()
        if pid == 0:  # the child: becomes briefbot, attached to the pty
            os.chdir(cwd)
            os.execve(sys.executable, [sys.executable, "-m", "bot", *args], env)
        self.pid, self.fd = pid, fd
        self.screen = b""
        self.code: int | None = None

    def _pump(self, timeout: float) -> None:
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if ready:
            try:
                self.screen += os.read(self.fd, 65536)
            except OSError:  # EIO: the child closed the terminal (it exited)
                self._reap()

    def _reap(self) -> None:
        if self.code is None:
            _, status = os.waitpid(self.pid, 0)
            self.code = os.waitstatus_to_exitcode(status)

    @property
    def text(self) -> str:
        return self.screen.decode("utf-8", "replace")

    def wait_for(self, condition: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + WAIT
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}; screen: {self.text!r}")
            if self.code is not None:
                raise AssertionError(f"exited ({self.code}) before {what}; screen: {self.text!r}")
            self._pump(0.05)

    def type(self, keys: bytes) -> None:
        os.write(self.fd, keys)

    def wait_exit(self) -> int:
        deadline = time.monotonic() + WAIT
        while self.code is None and time.monotonic() < deadline:
            self._pump(0.05)
        assert self.code is not None, f"still running; screen: {self.text!r}"
        return self.code

    def close(self) -> None:
        if self.code is None:
            os.kill(self.pid, 9)
            self._reap()
        os.close(self.fd)


def test_ctrl_c_at_three_moments_on_a_terminal_keeps_the_chat_alive(
    run_cli: RunCli, tmp_path: Path, openai_server: OpenAIServer, fx_upstream: ReplayServer
) -> None:
    env = scratch_env(tmp_path, OPENAI_API_KEY=KEY, OPENAI_BASE_URL=openai_server.base_url, BRIEFBOT_MAX_RETRIES="0",
                      BRIEFBOT_HTTP_REWRITE=f"https://api.frankfurter.dev={fx_upstream.url}/fx", TERM="dumb")
    openai_server.script(
        Reply(text="Never shown.", delay=30.0),  # 2nd question: the model never starts
        Reply(pieces=["Alpha ", "beta ", "gamma."], chunk_delay=3.0),  # 3rd: stopped mid-answer
        Reply(text="done"),  # 4th, "thanks": nothing the rules know, so the model plans first (no tools)
        Reply(text="All good."),
    )
    fx_upstream.latency = 30.0  # 1st question: the source hangs
    term = Terminal(env, "chat", cwd=tmp_path)
    try:
        term.wait_for(lambda: "you> " in term.text, "the prompt")
        term.type(FX_QUESTION.encode() + b"\n")
        term.wait_for(lambda: fx_upstream.count("/fx/v1/latest") == 1 and "fetching data" in term.text, "progress while fetching")
        term.type(CTRL_C)
        term.wait_for(lambda: term.text.count("[cancelled") == 1 and term.text.count("you> ") == 2, "the 1st cancel")
        fx_upstream.latency = 0.0

        term.type(FX_QUESTION.encode() + b"\n")
        term.wait_for(lambda: len(openai_server.completion_requests) == 1, "the model to be asked")
        term.type(CTRL_C)
        term.wait_for(lambda: term.text.count("[cancelled") == 2 and term.text.count("you> ") == 3, "the 2nd cancel")

        term.type(FX_QUESTION.encode() + b"\n")
        term.wait_for(lambda: "Alpha" in term.text, "the first piece of the answer")
        term.type(CTRL_C)
        term.wait_for(lambda: term.text.count("[cancelled") == 3 and term.text.count("you> ") == 4, "the 3rd cancel")

        term.type(b"thanks\n")
        term.wait_for(lambda: "All good." in term.text, "an answer after three cancels")
        term.wait_for(lambda: term.text.count("you> ") == 5, "the prompt again")
        term.type(CTRL_D)
        code = term.wait_exit()
    finally:
        term.close()
    assert "Traceback" not in term.text and "gamma." not in term.text
    assert code == 130  # turns went unanswered; the chat itself ended normally ("bye")
    assert "bye" in term.text
    done = run_cli(env, "history", "export", "--format", "json")
    [conversation] = json.loads(done.stdout)
    assistant = [m for m in conversation["messages"] if m["role"] == "assistant"]
    assert [m["cancelled"] for m in assistant] == [True, True, True, False]
    assert [m["content"].strip() for m in assistant][:2] == ["", ""] and assistant[2]["content"].startswith("Alpha")
    assert len([m for m in conversation["messages"] if m["role"] == "user"]) == 4
