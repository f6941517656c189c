"""crypto: Upbit (KRW markets) and CoinGecko over recorded payloads."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import responses

from connectors.crypto import CryptoConnector, CryptoDaily, CryptoQuote
from connectors.errors import NotFound, RateLimited, SchemaDriftError
from connectors.testing import CANARY_KEYS, ConnectorContract, ErrorCase, FakeClock, Recorded, make_runtime
from tests.connectors.payloads import fixture

TICKER = "https://api.upbit.com/v1/ticker"
CANDLES = "https://api.upbit.com/v1/candles/days"
PRICE = "https://api.coingecko.com/api/v3/simple/price"
CHART = "https://api.coingecko.com/api/v3/coins/bitcoin/market_chart"
UPBIT_TICKER = fixture("upbit/ticker_krw_btc_eth.json")
UPBIT_CANDLES = fixture("upbit/candles_days_krw_btc_count2.json")
UPBIT_404 = fixture("upbit/error_404_code_not_found.json")
CG_PRICE = fixture("coingecko/simple_price_btc_eth_include_all.json")
CG_CHART = fixture("coingecko/market_chart_bitcoin_usd_days1_trimmed_pycoingecko.json")
CG_429 = fixture("coingecko/error_429_rate_limit.json")


def _without(payload, index: int, field: str):
    drifted = copy.deepcopy(payload)
    del drifted[index][field]
    return drifted


class TestUpbitContract(ConnectorContract):
    connector = CryptoConnector
    params = {"market": "KRW-BTC", "days": "2"}
    success = [
        Recorded(TICKER, json=UPBIT_TICKER, headers={"Remaining-Req": "group=ticker; min=600; sec=9"}),
        Recorded(CANDLES, json=UPBIT_CANDLES, headers={"Remaining-Req": "group=candles; min=600; sec=9"}),
    ]
    expected_kinds = ["crypto.quote", "crypto.daily"]
    bad_params = [
        ({}, "market="),
        ({"market": "KRW-BTC", "coin": "bitcoin"}, "either market="),
        ({"market": "KRW BTC!"}, "market"),
        ({"market": "KRW-BTC", "vs": "usd"}, "vs="),
        ({"market": "KRW-BTC", "days": "201"}, "days"),
    ]
    error_cases = [
        ErrorCase("unknown market -> 404 body", [Recorded(TICKER, json=UPBIT_404, status=404)],
                  NotFound, "unknown Upbit market 'KRW-NOPE': Code not found", params={"market": "KRW-NOPE"}, calls=1),
        ErrorCase("IP blocked -> 418, not retried", [Recorded(TICKER, status=418, json={"error": {"name": 418, "message": "blocked"}})],
                  RateLimited, "temporarily blocked", calls=1),
        ErrorCase("ticker without trade_price -> drift", [Recorded(TICKER, json=_without(UPBIT_TICKER, 0, "trade_price"))],
                  SchemaDriftError, "field '[0].trade_price'", calls=1),
        ErrorCase("candle without opening_price -> drift", [Recorded(TICKER, json=UPBIT_TICKER),
                  Recorded(CANDLES, json=_without(UPBIT_CANDLES, 1, "opening_price"))],
                  SchemaDriftError, "field '[1].opening_price'", calls=2),
        ErrorCase("ticker list lacks the market", [Recorded(TICKER, json=UPBIT_TICKER[1:])],
                  SchemaDriftError, "no entry for KRW-BTC", calls=1),
    ]


class TestCoinGeckoContract(ConnectorContract):
    connector = CryptoConnector
    params = {"coin": "bitcoin", "vs": "usd", "days": "1"}
    success = [Recorded(PRICE, json=CG_PRICE), Recorded(CHART, json=CG_CHART)]
    expected_kinds = ["crypto.quote", "crypto.daily"]
    bad_params = [({"coin": "Bit Coin!"}, "coin"), ({"coin": "bitcoin", "vs": "dollars"}, "vs")]
    error_cases = [
        ErrorCase("unknown coin -> 200 with {}", [Recorded(PRICE, json={})],
                  NotFound, "unknown CoinGecko coin 'nosuchcoin'", params={"coin": "nosuchcoin"}, calls=1),
        ErrorCase("unknown vs currency -> entry without it", [Recorded(PRICE, json={"bitcoin": {"last_updated_at": 1747407859}})],
                  NotFound, "no XYZ price", params={"coin": "bitcoin", "vs": "xyz"}, calls=1),
        ErrorCase("429 asking for 119 s: more than the deadline, so no wait",
                  [Recorded(PRICE, json=CG_429, status=429, headers={"retry-after": "119"})],
                  RateLimited, "asked to wait 119 s", calls=1),
        ErrorCase("chart without prices -> drift", [Recorded(PRICE, json=CG_PRICE), Recorded(CHART, json={"market_caps": []})],
                  SchemaDriftError, "field 'prices'", calls=2),
    ]


def test_upbit_quote_and_candles_from_the_capture(tmp_path: Path) -> None:
    with responses.RequestsMock() as rsps:
        rsps.add(responses.GET, TICKER, json=UPBIT_TICKER)
        rsps.add(responses.GET, CANDLES, json=UPBIT_CANDLES)
        quote, daily = make_runtime(tmp_path).fetch("crypto", {"market": "비트코인", "days": "2"}).records
        urls = [c.request.url for c in rsps.calls]
    assert urls == [TICKER + "?markets=KRW-BTC", CANDLES + "?market=KRW-BTC&count=2"]
    assert isinstance(quote, CryptoQuote) and isinstance(daily, CryptoDaily)
    assert quote.price == 162876000 and quote.change == -282000 and quote.change_pct == -0.1728
    assert quote.as_of.isoformat() == "2025-07-31T02:03:15.076000+09:00"
    assert quote.currency == "KRW" and quote.units["volume_24h"] == "BTC"
    assert "previous daily close" in quote.change_basis
    assert [p.time.isoformat() for p in daily.points] == ["2025-07-28T09:00:00+09:00", "2025-07-29T09:00:00+09:00"]
    assert daily.points[-1].values["close"] == 163158000


def test_upbit_exhausted_second_budget_pauses_the_host(tmp_path: Path) -> None:
    clock = FakeClock()
    with responses.RequestsMock() as rsps:
        rsps.add(responses.GET, TICKER, json=UPBIT_TICKER, headers={"Remaining-Req": "group=ticker; min=599; sec=0"})
        rsps.add(responses.GET, CANDLES, json=UPBIT_CANDLES)
        make_runtime(tmp_path, clock=clock).fetch("crypto", {"market": "KRW-BTC", "days": "2"})
    assert clock.sleeps == [1.0]


def test_upbit_rate_limit_ten_per_second_across_fetches(tmp_path: Path) -> None:
    clock = FakeClock()
    runtime = make_runtime(None, clock=clock)
    with responses.RequestsMock() as rsps:
        rsps.add(responses.GET, TICKER, json=UPBIT_TICKER)
        for _ in range(11):
            runtime.fetch("crypto", {"market": "KRW-BTC", "days": "0"})
    assert len(clock.sleeps) == 1 and clock.sleeps[0] == pytest.approx(1.0)


def test_coingecko_quote_uses_rolling_24h_and_sends_the_key_as_header(tmp_path: Path) -> None:
    key = CANARY_KEYS["coingecko_api_key"]
    with responses.RequestsMock() as rsps:
        rsps.add(responses.GET, PRICE, json=CG_PRICE)
        result = make_runtime(tmp_path, settings={"coingecko_api_key": key}).fetch(
            "crypto", {"coin": "Bitcoin", "days": "0"})
        request = rsps.calls[0].request
    quote = result.records[0]
    assert request.headers["x-cg-demo-api-key"] == key and key not in request.url
    assert "ids=bitcoin&vs_currencies=usd" in request.url
    assert quote.price == 103663 and quote.change_pct == pytest.approx(1.6371141415)
    assert quote.market_cap == pytest.approx(2058811028682.1257)
    assert quote.as_of.isoformat() == "2025-05-16T15:04:19+00:00"
    assert quote.change_basis == "over the last 24 hours (rolling)"


@pytest.mark.parametrize(("status", "body", "says"), [
    (404, {"error": "coin not found"}, "NotFound: CoinGecko has no daily history for 'bitcoin' here"),
    (429, CG_429, "RateLimited"),
])
def test_a_failed_history_request_keeps_the_price_that_arrived(tmp_path: Path, status: int, body: object, says: str) -> None:
    with responses.RequestsMock() as rsps:
        rsps.add(responses.GET, PRICE, json=CG_PRICE)
        rsps.add(responses.GET, CHART, status=status, json=body, headers={"retry-after": "119"})
        result = make_runtime(tmp_path).fetch("crypto", {"coin": "bitcoin", "vs": "usd", "days": "7"})
    (quote,) = result.records
    assert quote.kind == "crypto.quote" and quote.values()["price"] == CG_PRICE["bitcoin"]["usd"]
    assert says in (quote.note or "") and "the price above is current" in (quote.note or "")
    assert "unknown CoinGecko coin" not in (quote.note or "")


def test_coin_accepts_its_korean_name() -> None:
    from connectors.crypto import CryptoParams

    assert CryptoParams(coin="비트코인").coin == "bitcoin"
    assert CryptoParams(coin="이더리움", vs="krw").coin == "ethereum"
