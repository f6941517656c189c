"""End to end: the real `briefbot fetch` process against the local replay server.

Upstream URLs are redirected with BRIEFBOT_HTTP_REWRITE; HOME and the XDG dirs point into
tmp_path, so the cache is a scratch one and nothing of the developer's setup leaks in.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import scratch_env
from tests.connectors.payloads import fixture
from tests.support.replay_server import Reply, ReplayServer

CANARY = "AVCANARYKEY0000NOTREAL"


@pytest.fixture
def server() -> Iterator[ReplayServer]:
    routes = {
        "/geo/v1/search": Reply.json(fixture("open-meteo/geocoding_enschede.json")),
        "/om/v1/forecast": Reply.json(fixture("open-meteo/forecast_current_hourly_newyork.json")),
        "/fx/v1/latest": Reply.json(fixture("frankfurter/v1_latest_eur_all.json")),
        "/upbit/v1/ticker": Reply.json(fixture("upbit/ticker_krw_btc_eth.json")),
        "/upbit/v1/candles/days": Reply.json(fixture("upbit/candles_days_krw_btc_count2.json")),
        "/av/query": Reply(
            json.dumps(fixture("alphavantage/ratelimit_daily_information_200.json")).replace("XXXX", CANARY).encode()
        ),
    }
    with ReplayServer(routes) as replay:
        yield replay


def _env(tmp_path: Path, server: ReplayServer, **extra: str) -> dict[str, str]:
    rewrite = ",".join(
        f"{upstream}={server.url}/{prefix}"
        for upstream, prefix in [
            ("https://geocoding-api.open-meteo.com", "geo"),
            ("https://api.open-meteo.com", "om"),
            ("https://api.frankfurter.dev", "fx"),
            ("https://api.upbit.com", "upbit"),
            ("https://www.alphavantage.co", "av"),
        ]
    )
    return scratch_env(tmp_path, BRIEFBOT_HTTP_REWRITE=rewrite, **extra)


def briefbot(env: dict[str, str], *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], env=env, capture_output=True, text=True, timeout=60, cwd=cwd)


def test_fetch_json_through_the_rewrite_then_from_cache(tmp_path: Path, server: ReplayServer) -> None:
    env = _env(tmp_path, server)
    done = briefbot(env, "fetch", "weather", "place=Enschede", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)  # exactly one JSON object on stdout
    assert set(payload) == {"connector", "records", "source", "fetched_at", "as_of"}
    assert payload["connector"] == "weather" and payload["source"] == "Open-Meteo"
    assert payload["as_of"] == "2026-08-23T18:45:00-04:00"
    kinds = [r["kind"] for r in payload["records"]]
    assert kinds == ["weather.current", "weather.hourly"]
    assert payload["records"][0]["source_url"].startswith(server.url + "/om/v1/forecast?latitude=52.21833")
    assert server.count("/geo/") == 1 and server.count("/om/") == 1
    headers_ok = (tmp_path / "cache" / "briefbot" / "http").is_dir()
    assert headers_ok

    again = briefbot(env, "fetch", "weather", "place=Enschede", "--json", cwd=tmp_path)
    assert again.returncode == 0 and json.loads(again.stdout) == payload
    assert server.count() == 2  # the cached repeat made no request


def test_readable_output_for_fx_and_crypto(tmp_path: Path, server: ReplayServer) -> None:
    env = _env(tmp_path, server)
    fx = briefbot(env, "fetch", "fx", "symbols=KRW,USD,JPY,GBP", cwd=tmp_path)
    assert fx.returncode == 0, fx.stderr
    assert "fx · Frankfurter (ECB reference rates)" in fx.stdout
    assert "EUR/KRW" in fx.stdout and "1,582.87" in fx.stdout
    assert f"source: {server.url}/fx/v1/latest?base=EUR&symbols=KRW,USD,JPY,GBP" in fx.stdout
    crypto = briefbot(env, "fetch", "crypto", "market=KRW-BTC", "days=2", cwd=tmp_path)
    assert crypto.returncode == 0, crypto.stderr
    assert "KRW-BTC — crypto.quote, as of 2025-07-31 02:03 KST (UTC+09:00)" in crypto.stdout
    assert "162,876,000 KRW" in crypto.stdout


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["fetch", "weather", "days=3"], 34, "give place="),
        (["fetch", "weather", "place=Enschede", "days=99"], 34, "'days': Input should be less than or equal to 16"),
        (["fetch", "weather", "placeEnschede"], 2, "is not name=value"),
        (["fetch", "nosuch"], 39, "no connector named 'nosuch'"),
        (["fetch", "stocks", "symbol=MSFT", "provider=alphavantage"], 37, "needs ALPHAVANTAGE_API_KEY"),
    ],
)
def test_bad_input_is_a_clear_message_and_exit_code(tmp_path: Path, server: ReplayServer, args, code, message) -> None:
    done = briefbot(_env(tmp_path, server), *args, cwd=tmp_path)
    assert done.returncode == code, done.stderr
    assert message in done.stderr and "Traceback" not in done.stderr
    assert done.stdout == ""


def test_unknown_place_and_echoed_key_never_printed(tmp_path: Path, server: ReplayServer) -> None:
    server.route("/geo/v1/search", Reply.json(fixture("open-meteo/geocoding_no_results.json")))
    done = briefbot(_env(tmp_path, server), "fetch", "weather", "place=Xyzzyville", cwd=tmp_path)
    assert done.returncode == 33 and "unknown place 'Xyzzyville'" in done.stderr
    env = _env(tmp_path, server, ALPHAVANTAGE_API_KEY=CANARY)
    done = briefbot(env, "--debug", "fetch", "stocks", "symbol=MSFT", "provider=alphavantage", cwd=tmp_path)
    assert done.returncode == 32 and "25 requests per day" in done.stderr
    assert CANARY not in done.stderr + done.stdout


def test_source_down_gives_31_then_stale_copy_is_served(tmp_path: Path, server: ReplayServer) -> None:
    env = _env(tmp_path, server, BRIEFBOT_HTTP_DEADLINE="2")
    server.route("/fx/v1/latest", Reply(b"busy", status=503))
    down = briefbot(env, "fetch", "fx", "base=USD", cwd=tmp_path)
    assert down.returncode == 31 and "kept failing (HTTP 503" in down.stderr and "Traceback" not in down.stderr

    server.route("/fx/v1/latest", Reply.json(fixture("frankfurter/v1_latest_base_usd_symbols_eur_captured_2026-07-30.json")))
    assert briefbot(env, "fetch", "fx", "base=USD", "symbols=EUR", cwd=tmp_path).returncode == 0
    server.route("/fx/v1/latest", Reply(b"busy", status=503))
    stale = briefbot(env, "fetch", "fx", "base=USD", "symbols=EUR", "--no-cache", "--json", cwd=tmp_path)
    assert stale.returncode == 0, stale.stderr
    assert "warning: the source failed; showing cached data" in stale.stderr
    record = json.loads(stale.stdout)["records"][0]
    assert record["stale"] is True and "stale: cached" in record["note"]


def test_fx_answer_for_another_base_is_a_schema_error_not_relabelled(tmp_path: Path, server: ReplayServer) -> None:
    # The replay server answers every /fx/v1/latest with the recorded EUR table.
    done = briefbot(_env(tmp_path, server), "fetch", "fx", "base=USD", "symbols=KRW", cwd=tmp_path)
    assert done.returncode == 36, done.stderr
    assert "asked for base=USD, received base=EUR" in done.stderr
    assert "EUR/KRW" not in done.stdout and "Traceback" not in done.stderr
