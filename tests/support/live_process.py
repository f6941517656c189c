"""A real ``briefbot`` process the test talks to while it runs: write lines, watch output, signal it.

``subprocess.run`` waits for the end; a Ctrl-C test must act *during* a turn (while a source
is fetched, before the first token, mid-answer). Output is collected by reader threads so a
test can wait for a piece of text to appear before it sends SIGINT or SIGKILL.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import IO, Self

WAIT = 60.0  # generous: the machine is shared; a test waits for events, never for a duration


class LiveProcess:
    def __init__(self, env: dict[str, str], *args: str, cwd: Path) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot", *args], env=env, cwd=cwd,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )
        self._out = bytearray()
        self._err = bytearray()
        self._lock = threading.Lock()
        self._readers = [
            threading.Thread(target=self._pump, args=(self.proc.stdout, self._out), daemon=True),
            threading.Thread(target=self._pump, args=(self.proc.stderr, self._err), daemon=True),
        ]
        for reader in self._readers:
            reader.start()

    def _pump(self, stream: IO[bytes] | None, sink: bytearray) -> None:
        assert stream is not None
        while chunk := stream.read1(4096):  # type: ignore[attr-defined]
            with self._lock:
                sink.extend(chunk)

    @property
    def stdout(self) -> str:
        with self._lock:
            return self._out.decode("utf-8", "replace")

    @property
    def stderr(self) -> str:
        with self._lock:
            return self._err.decode("utf-8", "replace")

    def send(self, data: bytes | str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(data.encode() if isinstance(data, str) else data)
        self.proc.stdin.flush()

    def close_input(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()

    def wait_for(self, condition: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + WAIT
        while not condition():
            if self.proc.poll() is not None:
                raise AssertionError(f"process exited ({self.proc.returncode}) before {what}; stderr: {self.stderr}")
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}; stdout: {self.stdout!r}; stderr: {self.stderr!r}")
            time.sleep(0.02)

    def interrupt(self) -> None:
        self.proc.send_signal(signal.SIGINT)

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait(WAIT)

    def finish(self) -> int:
        """Close stdin if still open and wait for the exit code (all output collected)."""
        if self.proc.stdin is not None and not self.proc.stdin.closed:
            self.close_input()
        code = self.proc.wait(WAIT)
        for reader in self._readers:
            reader.join(WAIT)
        return code

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(WAIT)
