"""The brief's sources answered from recorded payloads by a local replay server.

Same approach as the connectors' end-to-end test: BRIEFBOT_HTTP_REWRITE points each public
API at a prefix of the replay server; payloads are the recorded ones in tests/connectors/fixtures.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.conftest import scratch_env
from tests.connectors.payloads import fixture
from tests.support.replay_server import Reply, ReplayServer

UPSTREAMS = [
    ("https://geocoding-api.open-meteo.com", "geo"),
    ("https://api.open-meteo.com", "om"),
    ("https://api.frankfurter.dev", "fx"),
    ("https://api.upbit.com", "upbit"),
    ("https://query1.finance.yahoo.com", "yahoo"),
]

BRIEFS_TOML = """
[morning]
schedule = "{schedule}"
timezone = "Asia/Seoul"
sources = ["weather place=Seoul", "fx base=USD symbols=EUR", "crypto market=KRW-BTC days=2", "stocks symbol=005930.KS"]
language = "en"
summary = "{summary}"
catch_up = "latest"
max_lateness = "2h"
"""


def routes() -> dict[str, Reply]:
    return {
        "/geo/v1/search": Reply.json(fixture("open-meteo/geocoding_seoul_language_ko_TRIMMED_fixture.json")),
        "/om/v1/forecast": Reply.json(fixture("open-meteo/forecast_current_hourly_newyork.json")),
        "/fx/v1/latest": Reply.json(fixture("frankfurter/v1_latest_base_usd_symbols_eur_captured_2026-07-30.json")),
        "/upbit/v1/ticker": Reply.json(fixture("upbit/ticker_krw_btc_eth.json")),
        "/upbit/v1/candles/days": Reply.json(fixture("upbit/candles_days_krw_btc_count2.json")),
        "/yahoo/v8/finance/chart/005930.KS": Reply.json(fixture("yahoo/chart_meta_005930.KS_2023-09-01_extract.json")),
    }


@contextmanager
def replay() -> Iterator[ReplayServer]:
    with ReplayServer(routes()) as server:
        yield server


def brief_env(tmp_path: Path, server: ReplayServer, *, schedule: str = "0 7 * * 1-5", summary: str = "none",
              **extra: str) -> dict[str, str]:
    """A scratch home whose briefs.toml holds the morning brief, sources pointed at ``server``."""
    rewrite = ",".join(f"{upstream}={server.url}/{prefix}" for upstream, prefix in UPSTREAMS)
    env = scratch_env(tmp_path, BRIEFBOT_HTTP_REWRITE=rewrite, **extra)
    config = Path(env["XDG_CONFIG_HOME"]) / "briefbot"
    config.mkdir(parents=True, exist_ok=True)
    (config / "briefs.toml").write_text(BRIEFS_TOML.format(schedule=schedule, summary=summary), encoding="utf-8")
    return env
