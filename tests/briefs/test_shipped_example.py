"""`briefbot brief run morning` with the shipped examples/briefs.toml, unchanged: sources from
recorded payloads, the summary from the OpenAI stand-in, the Markdown archive written and the
Slack message accepted by a receiver on 127.0.0.1 (Slack's incoming-webhook answer: 200 "ok").

Needs the delivery side (bot.briefs.targets, bot.briefs.charts), which is built and merged
separately: skipped until both are present.
"""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.briefs.upstream import brief_env, replay
from tests.conftest import REPO, RunCli
from tests.support.openai_server import OpenAIServer, Reply

KEY = "sk-test-BRIEFS0123456789abcdefWXYZ"
HOOK_PATH = "/services/T0000/B0000/XXXXXXXXXXXXXXXXXXXXXXXX"


class SlackReceiver:
    """Answers like hooks.slack.com: 200 with the body "ok" for an accepted message."""

    def __init__(self) -> None:
        self.posts: list[dict[str, Any]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server API
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.posts.append({"path": self.path, "body": json.loads(body or b"{}")})
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def slack() -> Iterator[SlackReceiver]:
    receiver = SlackReceiver()
    yield receiver
    receiver.close()


def test_the_shipped_example_writes_the_markdown_archive_with_figures_and_a_chart(
    tmp_path: Path, run_cli: RunCli, openai_server: OpenAIServer, slack: SlackReceiver
) -> None:
    pytest.importorskip("bot.briefs.targets")
    pytest.importorskip("bot.briefs.charts")
    openai_server.script(Reply(text="서울은 맑고, 비트코인은 1억 6,288만 원입니다."))
    with replay() as server:
        env = brief_env(tmp_path, server, OPENAI_API_KEY=KEY, OPENAI_BASE_URL=openai_server.base_url,
                        SLACK_WEBHOOK_URL=f"https://hooks.slack.com{HOOK_PATH}")
        env["BRIEFBOT_HTTP_REWRITE"] += f",https://hooks.slack.com={slack.url}"
        shutil.copy(REPO / "examples" / "briefs.toml", Path(env["XDG_CONFIG_HOME"]) / "briefbot" / "briefs.toml")
        checked = run_cli(env, "brief", "check")
        assert checked.returncode == 0, checked.stderr
        done = run_cli(env, "brief", "run", "morning", "--json")
        assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["kind"] == "manual" and result["status"] in ("succeeded", "partial")
    assert {d["kind"]: d["status"] for d in result["deliveries"]} == {"markdown": "delivered", "slack": "delivered"}
    [archive] = list((Path(env["HOME"]) / "briefs").glob("*-morning.md"))
    text = archive.read_text(encoding="utf-8")
    assert "서울은 맑고" in text and "162,876,000원" in text  # the model's summary and the program's figures
    assert "![" in text  # the KRW-BTC chart, embedded
    assert len(slack.posts) == 1 and slack.posts[0]["path"] == HOOK_PATH
    assert HOOK_PATH not in done.stdout + done.stderr  # the webhook URL is a secret
