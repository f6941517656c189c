"""The per-invocation application object handed to every command.

It carries what would otherwise be global state: the environment, the working directory,
the output streams, the ``--debug`` flag and the settings (loaded lazily, once). All output
goes through :meth:`App.out` / :meth:`App.err`, which pass text through the redactor, so a
secret cannot reach the terminal by accident, and through :func:`bot.terminal.for_terminal`,
so an escape sequence in fetched data or a model's answer cannot drive the terminal. stdin
is read as strict UTF-8 (:class:`bot.terminal.Utf8Input`): undecodable input is a usage error.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, cast

from bot.paths import AppPaths
from bot.redact import Redactor, scrub_shapes
from bot.terminal import Utf8Input, for_terminal

if TYPE_CHECKING:
    from bot.settings import LoadedSettings, Settings


class App:
    def __init__(
        self,
        env: Mapping[str, str],
        *,
        cwd: Path | None = None,
        stdout: TextIO | None = None,
        stderr: TextIO | None = None,
        stdin: TextIO | None = None,
        debug: bool = False,
        overrides: Mapping[str, Any] | None = None,
    ) -> None:
        self.env = dict(env)
        self.cwd = cwd or Path.cwd()
        self.stdout = stdout or sys.stdout
        self.stderr = stderr or sys.stderr
        self.stdin: TextIO = stdin or cast(TextIO, Utf8Input(sys.stdin))
        self.debug = debug
        self._overrides: dict[str, Any] = dict(overrides or {})

    def override(self, **values: Any) -> None:
        """Add command-line overrides; only valid before settings are first read."""
        if "loaded" in self.__dict__:
            raise RuntimeError("settings already loaded")
        self._overrides.update({k: v for k, v in values.items() if v is not None})

    @cached_property
    def loaded(self) -> LoadedSettings:
        # Deferred: pydantic and the settings models cost ~200 ms, which `briefbot --help` and
        # a usage error should not pay.
        from bot.settings import load_settings

        loaded = load_settings(self.env, cwd=self.cwd, overrides=self._overrides)
        for warning in loaded.warnings:
            self.stderr.write(scrub_shapes(f"warning: {warning}") + "\n")
        return loaded

    @property
    def settings(self) -> Settings:
        return self.loaded.settings

    @property
    def paths(self) -> AppPaths:
        return AppPaths.from_env(self.env)

    @cached_property
    def redactor(self) -> Redactor:
        try:
            return self.loaded.settings.redactor()
        except Exception:
            # Settings that failed to load cannot be trusted to list their secrets; the
            # shape-based net still applies.
            return Redactor()

    def scrub(self, text: str) -> str:
        if "loaded" in self.__dict__:
            return self.redactor.scrub(text)
        return scrub_shapes(text)

    def out(self, text: str = "", *, end: str = "\n", flush: bool = False) -> None:
        self.stdout.write(self.scrub(for_terminal(text)) + end)
        if flush:
            self.stdout.flush()

    def err(self, text: str = "", *, end: str = "\n") -> None:
        self.stderr.write(self.scrub(for_terminal(text)) + end)
        self.stderr.flush()

    @property
    def stdout_is_tty(self) -> bool:
        return bool(getattr(self.stdout, "isatty", lambda: False)())

    @property
    def stdin_is_tty(self) -> bool:
        return bool(getattr(self.stdin, "isatty", lambda: False)())
