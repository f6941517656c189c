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

import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.conftest import REPO, RunCli, scratch_env
from tests.connectors.test_plugin_keys_cli import KEY, TideHandler

OPENAI_KEY = "sk-proj-CANARYcrash0123456789KEYkey5555"

BUGGY_PLUGIN = '''
from typing import ClassVar, Literal

from connectors.base import Connector, ConnectorParams
from connectors.records import Observation, Record
from connectors.transfer import Credentials


class TideParams(ConnectorParams):
    station: str = "Incheon"


class TideLevel(Observation):
    kind: Literal["tide.level"] = "tide.level"
    level_m: float


class TideConnector(Connector[TideParams]):
    name: ClassVar[str] = "tide"
    description: ClassVar[str] = "sea level at a tide station"
    source: ClassVar[str] = "Tide Demo"
    params_model = TideParams
    record_types = (TideLevel,)
    examples = ("station=Incheon",)
    keywords = ("tide",)
    key_settings = ("TIDE_API_KEY",)
    key_required = True

    def fetch(self, params: TideParams) -> list[Record]:
        key = self.require_key("TIDE_API_KEY", "TIDE_API_KEY", why="tide levels")
        response = self.ctx.http.get(f"{self.ctx.base_url('TIDE_URL')}/tide", source=self.source,
                                     params={"station": params.station}, credentials=Credentials(headers={"X-Tide-Key": key}))
        response.raise_for_status()
        account = int(key)  # the bug: the author's own keys were numeric account ids
        return [TideLevel(**self.provenance(response), subject=f"{params.station} #{account}",
                          as_of=response.fetched_at, level_m=float(response.json()["level_m"]))]
'''


@pytest.fixture
def tide_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), TideHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _env(tmp_path: Path, tide_url: str, plugin: str = BUGGY_PLUGIN) -> dict[str, str]:
    site = tmp_path / "site"
    (site / "buggy_tide-1.0.dist-info").mkdir(parents=True)
    (site / "buggy_tide.py").write_text(plugin, encoding="utf-8")
    (site / "buggy_tide-1.0.dist-info" / "METADATA").write_text("Metadata-Version: 2.1\nName: buggy-tide\nVersion: 1.0\n")
    (site / "buggy_tide-1.0.dist-info" / "entry_points.txt").write_text("[briefbot.connectors]\ntide = buggy_tide:TideConnector\n")
    return scratch_env(tmp_path, PYTHONPATH=f"{REPO}:{site}", TIDE_URL=tide_url, TIDE_API_KEY=KEY, OPENAI_API_KEY=OPENAI_KEY)


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
