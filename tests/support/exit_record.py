"""Which exit codes real ``briefbot`` processes ended with, per test, during this pytest session.

Tests start briefbot in several ways (``run_cli``, :class:`tests.support.live_process.LiveProcess`,
``subprocess.run``/``Popen`` directly), all through :class:`subprocess.Popen`. :func:`install`
(called by ``tests/conftest.py``) swaps in a subclass whose ``returncode`` is a property: the
moment a process's exit status is known, it is filed under the running test's node id (from
``PYTEST_CURRENT_TEST``, which pytest sets). The subclass behaves exactly like Popen otherwise.

``tests/test_exit_codes_readme.py`` reads :data:`OBSERVED` and :data:`RAN` to check that each
exit code in the README's table was produced by a real process in the test said to produce it.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from typing import Any

OBSERVED: dict[str, set[int]] = {}  # test node id -> exit codes of the briefbot processes it ran
RAN: set[str] = set()  # node ids whose test body ran (passed or failed; not skipped) this session


def is_briefbot(args: object) -> bool:
    """``python -m bot ...`` or the ``briefbot`` script (args as a list, as every test passes them)."""
    if not isinstance(args, Sequence) or isinstance(args, (str, bytes)):
        return False
    words = [os.fsdecode(a) if isinstance(a, (str, bytes, os.PathLike)) else "" for a in args]
    module = any(a == "-m" and b == "bot" for a, b in zip(words, words[1:]))
    return module or (bool(words) and os.path.basename(words[0]) == "briefbot")


def current_test() -> str:
    """The running test's node id, without pytest's " (setup)"/" (call)"/" (teardown)" suffix."""
    return os.environ.get("PYTEST_CURRENT_TEST", "").rsplit(" ", 1)[0]


class RecordingPopen(subprocess.Popen):  # type: ignore[type-arg]  # generic at type-check time only
    @property
    def returncode(self) -> Any:
        return self.__dict__.get("_recorded_returncode")

    @returncode.setter
    def returncode(self, value: Any) -> None:
        self.__dict__["_recorded_returncode"] = value
        if isinstance(value, int) and is_briefbot(getattr(self, "args", None)):
            OBSERVED.setdefault(current_test(), set()).add(value)


def install() -> None:
    """Make every Popen (so subprocess.run too) a RecordingPopen; idempotent."""
    if subprocess.Popen is not RecordingPopen:
        subprocess.Popen = RecordingPopen  # type: ignore[misc]
