"""Everyday questions through the real `briefbot ask` process: a town found by the geocoder,
a town that does not exist (exit 33, no model guess), a rate for a day to come (exit 34)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import RunCli, scratch_env
from tests.connectors.payloads import fixture
from tests.support.openai_server import OpenAIServer, Reply
from tests.support.replay_server import Reply as Recorded
from tests.support.replay_server import ReplayServer

KEY = "sk-test-CANARY0123456789abcdefWXYZ"
AUSTIN = fixture("open-meteo/geocoding_austin_GENERATED.json")
NOWHERE = fixture("open-meteo/geocoding_no_results.json")


@pytest.fixture
def upstream() -> Iterator[ReplayServer]:
    routes = {
        "/geo/v1/search": Recorded.json(AUSTIN),
        "/om/v1/forecast": Recorded.json(fixture("open-meteo/forecast_current_daily_unixtime_lisbon.json")),
    }
    with ReplayServer(routes) as replay:
        yield replay


def _env(tmp_path: Path, upstream: ReplayServer, openai_server: OpenAIServer) -> dict[str, str]:
    rewrite = (f"https://geocoding-api.open-meteo.com={upstream.url}/geo,https://api.open-meteo.com={upstream.url}/om,"
               "https://api.frankfurter.dev=http://127.0.0.1:9")
    return scratch_env(tmp_path, OPENAI_API_KEY=KEY, OPENAI_BASE_URL=openai_server.base_url, BRIEFBOT_HTTP_REWRITE=rewrite,
                       BRIEFBOT_GROUNDING="1")


def test_a_town_in_no_list_is_found_and_cited(run_cli: RunCli, tmp_path: Path, upstream: ReplayServer,
                                              openai_server: OpenAIServer) -> None:
    openai_server.script(Reply(text="It is overcast in Austin."))
    done = run_cli(_env(tmp_path, upstream, openai_server), "ask", "weather in Austin, Texas")
    assert done.returncode == 0, done.stderr
    assert "Austin, Texas, United States: overcast" in done.stdout
    sent = "\n".join(m["content"] for m in openai_server.completion_requests[0].body["messages"])
    assert "Austin, Texas, United States" in sent


def test_no_such_town_is_said_by_the_program_with_exit_33(run_cli: RunCli, tmp_path: Path, openai_server: OpenAIServer) -> None:
    with ReplayServer({"/geo/v1/search": Recorded.json(NOWHERE)}) as nowhere:
        done = run_cli(_env(tmp_path, nowhere, openai_server), "ask", "여수 날씨 어때?")
    assert done.returncode == 33, done.stderr
    assert openai_server.completion_requests == []  # no model to guess about a place that is not there
    assert "여수 날씨: 가져오지 못함 (unknown place '여수': no such place" in done.stdout
    assert "Traceback" not in done.stderr


def test_a_rate_for_a_day_to_come_is_refused_with_exit_34(run_cli: RunCli, tmp_path: Path, upstream: ReplayServer,
                                                     openai_server: OpenAIServer) -> None:
    # A far date: "tomorrow" can already be today in Frankfurt (the ECB's zone) late in a UTC day.
    done = run_cli(_env(tmp_path, upstream, openai_server), "ask", "USD to KRW rate on 2099-01-01")
    assert done.returncode == 34, done.stderr
    assert openai_server.completion_requests == []
    assert "no exchange rate exists for 2099-01-01 yet" in done.stdout
