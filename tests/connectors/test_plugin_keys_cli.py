"""A third party's connector, installed through a real entry point, gets its key from the
environment in `fetch` and in `context` alike, is planned by its declared keywords, and its
key never reaches the output. The upstream is a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.conftest import REPO, RunCli, scratch_env
from tests.support.openai_server import OpenAIServer, Reply

KEY = "tide-demo-key-0123456789abcdef"

PLUGIN = '''
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
    keywords = ("tide", "조위")
    key_settings = ("TIDE_API_KEY",)
    key_required = True

    def fetch(self, params: TideParams) -> list[Record]:
        key = self.require_key("TIDE_API_KEY", "TIDE_API_KEY", why="tide levels")
        response = self.ctx.http.get(f"{self.ctx.base_url('TIDE_URL')}/tide", source=self.source,
                                     params={"station": params.station}, credentials=Credentials(headers={"X-Tide-Key": key}))
        response.raise_for_status()
        level = float(response.json()["level_m"])
        return [TideLevel(**self.provenance(response), subject=params.station, as_of=response.fetched_at, level_m=level)]
'''


class TideHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        ok = self.headers.get("X-Tide-Key") == KEY
        body = json.dumps({"level_m": 6.83} if ok else {"error": "invalid key"}).encode()
        self.send_response(200 if ok else 401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def tide_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), TideHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def installed_plugin(root: Path, source: str = PLUGIN, module: str = "tide_plugin") -> Path:
    """A directory that, on PYTHONPATH, is an installed distribution with an entry point."""
    site = root / "site"
    info = site / f"{module}-1.0.dist-info"
    info.mkdir(parents=True)
    (site / f"{module}.py").write_text(source, encoding="utf-8")
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module.replace('_', '-')}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[briefbot.connectors]\ntide = {module}:TideConnector\n")
    return site


def env_with_plugin(tmp_path: Path, tide_url: str, source: str = PLUGIN, module: str = "tide_plugin",
                    **extra: str) -> dict[str, str]:
    site = installed_plugin(tmp_path, source, module)
    return scratch_env(tmp_path, PYTHONPATH=f"{REPO}:{site}", TIDE_URL=tide_url, **extra)


def test_fetch_and_context_both_use_the_plugin_key_from_the_environment(run_cli: RunCli, tmp_path: Path, tide_url: str) -> None:
    env = env_with_plugin(tmp_path, tide_url, TIDE_API_KEY=KEY)
    # context first: a fetch before it would leave a cached answer that needs no key.
    context = run_cli(env, "context", "How high is the tide now?", "--json")
    assert context.returncode == 0, context.stderr
    payload = json.loads(context.stdout)
    assert "6.83" in payload["context"]
    assert [s["connector"] for s in payload["sources"]] == ["tide"]

    fetched = run_cli(env, "fetch", "tide", "--no-cache", "--json")
    assert fetched.returncode == 0, fetched.stderr
    assert json.loads(fetched.stdout)["records"][0]["level_m"] == 6.83
    for done in (fetched, context):
        assert KEY not in done.stdout + done.stderr


def test_without_the_key_both_say_which_variable_to_set(run_cli: RunCli, tmp_path: Path, tide_url: str) -> None:
    env = env_with_plugin(tmp_path, tide_url)
    fetched = run_cli(env, "fetch", "tide")
    assert fetched.returncode == 37 and "needs TIDE_API_KEY" in fetched.stderr
    context = run_cli(env, "context", "How high is the tide now?")
    assert context.returncode == 0, context.stderr
    assert "needs TIDE_API_KEY" in context.stdout and "6.83" not in context.stdout


def test_the_planner_plans_a_plugin_by_its_declared_keywords(tmp_path: Path) -> None:
    import importlib.util
    import sys

    from bot.planner.rules import plan_question

    site = installed_plugin(tmp_path)
    spec = importlib.util.spec_from_file_location("tide_plugin", site / "tide_plugin.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["tide_plugin"] = module
    try:
        spec.loader.exec_module(module)
        plan = plan_question("오늘 인천 조위 알려줘", plugins=[module.TideConnector])
        assert ("tide", {"station": "Incheon"}) in [(s.connector, s.params) for s in plan.steps]
        assert not any(s.connector == "tide" for s in plan_question("서울 날씨", plugins=[module.TideConnector]).steps)
    finally:
        sys.modules.pop("tide_plugin", None)


@pytest.mark.parametrize("command", ["ask", "chat"])
def test_ask_and_chat_use_the_plugin_key_from_the_environment(
    run_cli: RunCli, tmp_path: Path, tide_url: str, openai_server: OpenAIServer, command: str
) -> None:
    openai_server.script(Reply(text="The tide is at 6.83 m (Tide Demo)."))
    env = env_with_plugin(tmp_path, tide_url, TIDE_API_KEY=KEY, OPENAI_API_KEY="sk-test-CANARY0123456789abcdefWXYZ",
                          OPENAI_BASE_URL=openai_server.base_url)
    question = "How high is the tide now?"
    done = run_cli(env, command, *([question] if command == "ask" else []), input=None if command == "ask" else question + "\n")
    assert done.returncode == 0, done.stderr
    sent = "\n".join(str(m["content"]) for m in openai_server.completion_requests[-1].body["messages"])
    assert "6.83" in sent  # the plugin's record reached the model: its key was sent upstream
    assert "Tide Demo" in done.stdout and KEY not in done.stdout + done.stderr
