"""Exit 1, "unexpected error", through the real `briefbot` process.

The route is a genuine one: a third party's connector, installed through a real entry point
(``briefbot.connectors``), has a bug: it parses its key as a number, so ``int()`` raises a
ValueError whose text holds the key. ``briefbot fetch`` calls the connector directly, so the
exception reaches the last net in ``bot.cli.main``: one line that says it is a bug and points
to ``--debug``, no traceback unless ``--debug`` asks for one, and the key masked either way.

A plugin's key is declared by the plugin and lives only in the environment, so the app's
redactor must learn it from the connector runtime: before that fix the key was printed whole
(in the exit-1 line, in a plugin's own error in ``fetch``, in ``context``'s MISSING line).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import RunCli
from tests.connectors.test_plugin_keys_cli import KEY, PLUGIN, env_with_plugin, tide_url

__all__ = ["tide_url"]  # the fixture, shared with the plugin key tests

OPENAI_KEY = "sk-proj-CANARYcrash0123456789KEYkey5555"

# The plugin key tests' connector, with one bug: the author's own keys were numeric account ids.
_PARSE = '        level = float(response.json()["level_m"])\n'
BUGGY_PLUGIN = PLUGIN.replace(
    _PARSE, "        account = int(key)  # the bug: the author's own keys were numeric account ids\n" + _PARSE)


def _env(tmp_path: Path, tide_url: str, plugin: str = BUGGY_PLUGIN) -> dict[str, str]:
    return env_with_plugin(tmp_path, tide_url, plugin, "buggy_tide", TIDE_API_KEY=KEY, OPENAI_API_KEY=OPENAI_KEY)


def test_a_bug_in_a_plugin_connector_is_exit_1_pointing_to_debug(run_cli: RunCli, tmp_path: Path, tide_url: str) -> None:
    env = _env(tmp_path, tide_url)
    listed = run_cli(env, "connectors", "list")
    assert listed.returncode == 0 and "tide" in listed.stdout, listed.stderr  # the plugin really loaded

    done = run_cli(env, "fetch", "tide", "station=Incheon")
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert "error: unexpected ValueError" in done.stderr
    assert "this is a bug" in done.stderr and "--debug" in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""

    debug = run_cli(env, "--debug", "fetch", "tide", "station=Incheon")
    assert debug.returncode == 1, debug.stderr
    assert "Traceback (most recent call last)" in debug.stderr
    assert "buggy_tide.py" in debug.stderr and "account = int(key)" in debug.stderr  # the plugin's line, named

    for run in (listed, done, debug):
        for secret in (KEY, OPENAI_KEY):
            assert secret not in run.stdout + run.stderr, f"{secret[:8]}… printed"


def test_a_plugin_key_in_the_plugin_s_own_error_is_masked_everywhere(run_cli: RunCli, tmp_path: Path, tide_url: str) -> None:
    # A plugin that names its key when the service refuses it: a documented error (exit 31), not a
    # bug, but the key must not travel into the error line, the context or a model's input.
    assert BUGGY_PLUGIN != PLUGIN
    refusing = BUGGY_PLUGIN.replace(
        "account = int(key)  # the bug: the author's own keys were numeric account ids",
        "from connectors.errors import SourceUnavailable\n        raise SourceUnavailable(f'tide refused key {key}')",
    )
    assert refusing != BUGGY_PLUGIN
    env = _env(tmp_path, tide_url, refusing)
    fetched = run_cli(env, "--debug", "fetch", "tide")
    context = run_cli(env, "context", "How high is the tide now?")
    assert fetched.returncode == 31 and "tide refused key" in fetched.stderr, fetched.stderr
    assert context.returncode == 0 and "tide refused key" in context.stdout, context.stderr
    for run in (fetched, context):
        assert KEY not in run.stdout + run.stderr
