"""fx: Frankfurter v1 over recorded payloads."""

from __future__ import annotations

import copy
from datetime import datetime, timezone
from pathlib import Path

import pytest
import responses

from connectors.errors import InvalidParams, NotFound, SchemaDriftError
from connectors.fx import FxConnector, FxRate, FxSeries
from connectors.testing import ConnectorContract, ErrorCase, FakeClock, Recorded, make_runtime
from tests.connectors.payloads import fixture

BASE = "https://api.frankfurter.dev/v1/"
LATEST_ALL = fixture("frankfurter/v1_latest_eur_all.json")
USD_EUR = fixture("frankfurter/v1_latest_base_usd_symbols_eur_captured_2026-07-30.json")
EUR_11 = fixture("frankfurter/v1_latest_eur_11symbols_captured_2026-08-03.json")  # no KRW among them


class TestFxContract(ConnectorContract):
    connector = FxConnector
    params = {"base": "USD", "symbols": "EUR"}
    success = [Recorded(BASE + "latest", json=USD_EUR)]
    expected_kinds = ["fx.rate"]
    bad_params = [
        ({"base": "DOLLARS"}, "base"),
        ({"symbols": "KRW,1X"}, "symbols"),
        ({"date": "2025-13-01"}, "date"),
        ({"date": "2025-03-14", "start": "2025-03-01"}, "not both"),
        ({"end": "2025-03-01"}, "end= needs start="),
        ({"start": "2025-03-10", "end": "2025-03-01"}, "is after"),
        ({"date": "1998-12-31"}, "1999-01-04"),
        ({"amount": "-5"}, "amount"),
    ]
    error_cases = [
        ErrorCase("unknown currency -> 422", [Recorded(BASE + "latest", status=422,
                  json=fixture("frankfurter/v1_error_422_bad_currency_pair_from_source.json"))],
                  NotFound, "does not know a currency in base=USD symbols=EUR: bad currency pair", calls=1),
        ErrorCase("no data for a date -> 404", [Recorded(BASE + "2000-01-03", status=404,
                  json=fixture("frankfurter/v1_error_404_not_found_from_source.json"))],
                  NotFound, "has no rates for 2000-01-03: not found", params={"date": "2000-01-03"}, calls=1),
        ErrorCase("rates missing -> drift", [Recorded(BASE + "latest", json={"amount": 1.0, "base": "USD", "date": "2026-07-29"})],
                  SchemaDriftError, "field 'rates'", calls=1),
        ErrorCase("a rate that is not a number -> drift", [Recorded(BASE + "latest",
                  json={"amount": 1.0, "base": "USD", "date": "2026-07-29", "rates": {"EUR": "n/a"}})],
                  SchemaDriftError, "field 'rates.EUR'", calls=1),
    ]


def AFTER_SERIES() -> FakeClock:
    """A clock after the composed series' last day (a series cannot end in the future)."""
    return FakeClock(datetime(2026, 8, 3, 12, 0, tzinfo=timezone.utc))


def _fetch(tmp_path: Path, url: str, payload, params, clock: FakeClock | None = None):
    with responses.RequestsMock() as rsps:
        rsps.add(responses.GET, url, json=payload)
        result = make_runtime(tmp_path, clock=clock).fetch("fx", params)
        return result, rsps.calls[0].request.url


def test_latest_all_currencies_includes_krw(tmp_path: Path) -> None:
    result, sent = _fetch(tmp_path, BASE + "latest", LATEST_ALL, {})
    rates = {r.quote: r for r in result.records}
    assert len(rates) == 30
    krw = rates["KRW"]
    assert isinstance(krw, FxRate) and krw.rate == 1582.87 and krw.base == "EUR" and krw.subject == "EUR/KRW"
    assert krw.units == {"rate": "KRW per 1 EUR"}
    assert krw.as_of.isoformat() == "2025-03-14T16:00:00+01:00"  # ECB publication, CET
    assert sent == BASE + "latest?base=EUR"


def test_weekend_date_resolved_to_the_working_day_before(tmp_path: Path) -> None:
    payload = fixture("frankfurter/v1_latest_eur_11symbols_captured_2026-08-03.json")  # date 2026-08-01
    payload = {**payload, "date": "2025-03-14", "rates": {"KRW": 1582.87}}
    result, sent = _fetch(tmp_path, BASE + "2025-03-15", payload, {"base": "eur", "symbols": "원", "date": "2025-03-15"})
    record = result.records[0]
    assert sent == BASE + "2025-03-15?base=EUR&symbols=KRW"
    assert record.date == "2025-03-14" and record.requested_date == "2025-03-15"
    assert "no ECB rates on 2025-03-15" in (record.note or "")


def test_series_groups_points_per_quote_oldest_first(tmp_path: Path) -> None:
    payload = fixture("frankfurter/v1_series_eur_usd_krw_composed.json")
    result, sent = _fetch(tmp_path, BASE + "2025-03-14..2026-08-01", payload,
                          {"symbols": "USD,KRW", "start": "2025-03-14", "end": "2026-08-01"}, clock=AFTER_SERIES())
    assert sent.startswith(BASE + "2025-03-14..2026-08-01?base=EUR&symbols=USD,KRW")
    by_quote = {r.quote: r for r in result.records}
    usd = by_quote["USD"]
    assert isinstance(usd, FxSeries)
    assert usd.column("rate") and [v for _, v in usd.column("rate")] == [1.0889, 1.16401]
    assert usd.as_of.date().isoformat() == "2026-08-01"
    assert len(by_quote["KRW"].points) == 1


def test_open_ended_series_path(tmp_path: Path) -> None:
    payload = fixture("frankfurter/v1_series_eur_usd_krw_composed.json")
    _, sent = _fetch(tmp_path, BASE + "2025-03-14..", payload, {"start": "2025-03-14"})
    assert sent.startswith(BASE + "2025-03-14..?base=EUR")


def test_historical_dates_stay_fresh_for_a_month_latest_for_an_hour(tmp_path: Path) -> None:
    clock = FakeClock()
    runtime = make_runtime(tmp_path, clock=clock)
    connector = runtime.connector("fx")
    assert connector.ttl_for(FxConnector.parse_params({"date": "2025-03-14"})) == 30 * 86400
    assert connector.ttl_for(FxConnector.parse_params({})) == 3600


def test_empty_rates_is_not_found(tmp_path: Path) -> None:
    payload = copy.deepcopy(USD_EUR)
    payload["rates"] = {}
    with pytest.raises(NotFound):
        _fetch(tmp_path, BASE + "latest", payload, {"base": "USD", "symbols": "EUR"})


# -- a payload answering another request is refused, never relabelled ----------------------------


def test_payload_for_another_base_is_refused_naming_requested_and_received(tmp_path: Path) -> None:
    # The recorded USD->EUR answer, served for a KRW->EUR request.
    runtime = make_runtime(tmp_path)
    with responses.RequestsMock() as rsps:
        rsps.add(responses.GET, BASE + "latest", json=USD_EUR)
        with pytest.raises(SchemaDriftError) as info:
            runtime.fetch("fx", {"base": "KRW", "symbols": "EUR"})
        assert len(rsps.calls) == 1  # a wrong answer is not retried
    error = info.value
    assert error.exit_code == 36 and error.field == "base"
    assert "asked for base=KRW, received base=USD" in str(error)
    assert "Frankfurter" in str(error)
    # Nothing was cached from it: the same request goes upstream again (and is refused again).
    with responses.RequestsMock() as rsps:
        rsps.add(responses.GET, BASE + "latest", json=USD_EUR)
        with pytest.raises(SchemaDriftError):
            runtime.fetch("fx", {"base": "KRW", "symbols": "EUR"})
        assert len(rsps.calls) == 1


def test_payload_missing_a_requested_currency_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SchemaDriftError) as info:
        _fetch(tmp_path, BASE + "latest", EUR_11, {"base": "EUR", "symbols": "USD,KRW,JPY"})
    assert info.value.field == "rates"
    message = str(info.value)
    assert "asked for symbols=USD,KRW,JPY" in message and "but not KRW" in message
    assert "received rates for AUD,CAD,CHF" in message


def test_series_for_another_base_is_refused(tmp_path: Path) -> None:
    payload = fixture("frankfurter/v1_series_eur_usd_krw_composed.json")  # base EUR
    with pytest.raises(SchemaDriftError) as info:
        _fetch(tmp_path, BASE + "2025-03-14..2026-08-01", payload,
               {"base": "USD", "symbols": "KRW", "start": "2025-03-14", "end": "2026-08-01"}, clock=AFTER_SERIES())
    assert "asked for base=USD, received base=EUR" in str(info.value)


def test_series_missing_a_requested_currency_is_refused(tmp_path: Path) -> None:
    payload = fixture("frankfurter/v1_series_eur_usd_krw_composed.json")  # USD and KRW only
    with pytest.raises(SchemaDriftError) as info:
        _fetch(tmp_path, BASE + "2025-03-14..2026-08-01", payload,
               {"symbols": "USD,JPY", "start": "2025-03-14", "end": "2026-08-01"}, clock=AFTER_SERIES())
    assert "asked for symbols=USD,JPY" in str(info.value) and "but not JPY" in str(info.value)


def test_the_base_among_the_symbols_need_not_be_quoted(tmp_path: Path) -> None:
    # EUR per EUR is 1 by definition; its absence from the rates is not a mismatch.
    result, _ = _fetch(tmp_path, BASE + "latest", EUR_11, {"base": "EUR", "symbols": "EUR,USD"})
    assert "EUR/USD" in {r.subject for r in result.records}


@pytest.mark.parametrize("params", [
    {"base": "USD", "symbols": "KRW", "date": "2099-01-01"},
    {"base": "USD", "symbols": "KRW", "start": "2026-01-10", "end": "2026-01-20"},
    {"base": "USD", "symbols": "KRW", "start": "2026-01-16"},
])
def test_a_rate_for_a_day_still_to_come_is_refused_not_replaced_by_the_latest(tmp_path: Path, params: dict[str, str]) -> None:
    # The fake clock says 2026-01-15; Frankfurter itself would answer 2099-01-01 with the latest rates.
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.add(responses.GET, BASE + "latest", json=USD_EUR)
        with pytest.raises(InvalidParams) as info:
            make_runtime(tmp_path).fetch("fx", params)
        assert not rsps.calls  # refused before asking
    assert info.value.exit_code == 34
    assert "no exchange rate exists for" in info.value.message and "2026-01-15" in info.value.message


def test_todays_rate_before_publication_says_so_not_weekend(tmp_path: Path) -> None:
    payload = dict(USD_EUR, date="2026-07-29")
    clock = FakeClock(datetime(2026, 7, 30, 9, 0, tzinfo=timezone.utc))  # 11:00 in Frankfurt
    result, _ = _fetch(tmp_path, BASE + "2026-07-30", payload, {"base": "USD", "symbols": "EUR", "date": "2026-07-30"}, clock)
    note = result.records[0].note or ""
    assert "not published 2026-07-30's rates yet" in note and "weekend" not in note
