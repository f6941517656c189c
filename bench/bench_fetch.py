"""Fetching for one question: concurrent vs sequential, and a cached repeat.

    .venv/bin/python bench/bench_fetch.py

A question needing three sources (weather, fx, crypto) is fetched with
``connectors.concurrent.fetch_many`` — the library call the bot uses — against the local
replay server answering every request after a fixed latency. Reported side by side:

* wall time of the concurrent fetch vs the sum of the three connectors' latencies measured
  one by one in the same run (target: ≤ 0.5×);
* requests sent by an immediate repeat, which the TTL cache must answer (target: 0).

Quick (a few seconds) and light: the server sleeps, nothing spins.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bot.settings import Settings  # noqa: E402
from connectors.concurrent import FetchFailure, fetch_many  # noqa: E402
from connectors.runtime import ConnectorRuntime  # noqa: E402
from tests.connectors.payloads import fixture  # noqa: E402
from tests.support.replay_server import Reply, ReplayServer  # noqa: E402

LATENCY = 0.25  # seconds per request at the replay server
ROUNDS = 3
QUESTION = [
    ("weather", {"place": "Enschede", "days": "1"}),  # geocoding + forecast: two requests
    ("fx", {"base": "EUR", "symbols": "KRW"}),  # the recorded answer is the EUR table
    ("crypto", {"market": "KRW-BTC", "days": "2"}),  # ticker + candles: two requests
]


def routes() -> dict[str, Reply]:
    return {
        "/geo/v1/search": Reply.json(fixture("open-meteo/geocoding_enschede.json")),
        "/om/v1/forecast": Reply.json(fixture("open-meteo/forecast_current_hourly_newyork.json")),
        "/fx/v1/latest": Reply.json(fixture("frankfurter/v1_latest_eur_all.json")),
        "/upbit/v1/ticker": Reply.json(fixture("upbit/ticker_krw_btc_eth.json")),
        "/upbit/v1/candles/days": Reply.json(fixture("upbit/candles_days_krw_btc_count2.json")),
    }


def settings_for(server: ReplayServer) -> Settings:
    pairs = [("https://geocoding-api.open-meteo.com", "geo"), ("https://api.open-meteo.com", "om"),
             ("https://api.frankfurter.dev", "fx"), ("https://api.upbit.com", "upbit")]
    return Settings(http_rewrite=",".join(f"{up}={server.url}/{prefix}" for up, prefix in pairs))


def main() -> int:
    sums, walls, repeat_requests = [], [], []
    with ReplayServer(routes(), latency=LATENCY) as server:
        settings = settings_for(server)
        for _ in range(ROUNDS):
            # Sequential: each connector alone, on a cold cache, timed one by one.
            with tempfile.TemporaryDirectory() as tmp, ConnectorRuntime(settings, cache_dir=Path(tmp)) as runtime:
                each = []
                for name, params in QUESTION:
                    start = time.perf_counter()
                    runtime.fetch(name, params)
                    each.append(time.perf_counter() - start)
                sums.append(sum(each))
            # Concurrent: the bot's call, cold cache; then the same question again.
            with tempfile.TemporaryDirectory() as tmp, ConnectorRuntime(settings, cache_dir=Path(tmp)) as runtime:
                start = time.perf_counter()
                results = fetch_many(runtime, QUESTION)
                walls.append(time.perf_counter() - start)
                failures = [r for r in results if isinstance(r, FetchFailure)]
                if failures:
                    print("fetch failed:", *(f.message for f in failures), sep="\n  ")
                    return 1
                before = runtime.http.requests_sent
                again = fetch_many(runtime, QUESTION)
                repeat_requests.append(runtime.http.requests_sent - before)
                assert all(not isinstance(r, FetchFailure) and r.from_cache for r in again)

    total, wall = statistics.median(sums), statistics.median(walls)
    ratio = wall / total
    print(f"replay latency {LATENCY * 1000:.0f} ms/request; 3 connectors (5 requests); median of {ROUNDS} rounds")
    print(f"sum of the three fetches, one by one : {total * 1000:7.0f} ms")
    print(f"fetch_many, concurrent               : {wall * 1000:7.0f} ms")
    print(f"ratio concurrent / sum               : {ratio:7.2f}x   (target <= 0.50x) {'OK' if ratio <= 0.5 else 'MISSED'}")
    print(f"requests sent by a cached repeat     : {max(repeat_requests):7d}    (target 0) {'OK' if max(repeat_requests) == 0 else 'MISSED'}")
    return 0 if ratio <= 0.5 and max(repeat_requests) == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
