"""Company names live in one list (connectors.stocks.listings): the stocks connector and the
planner's vocabulary both read it, so a company added there is known to both."""

from __future__ import annotations

from bot.planner.rules import plan_question
from connectors.stocks import KOREAN_LISTINGS, LISTINGS, StocksParams
from prompts.lexicon import COMPANIES


def test_the_planner_knows_exactly_the_listed_companies() -> None:
    assert {c.symbol for c in COMPANIES.values()} == set(LISTINGS)
    for symbol, names in LISTINGS.items():
        assert all(COMPANIES[name.lower()].symbol == symbol for name in names)


def test_every_korean_name_the_connector_accepts_is_planned_to_the_same_ticker() -> None:
    for name, symbol in KOREAN_LISTINGS.items():
        assert StocksParams(symbol=name).symbol == symbol
        assert StocksParams(symbol=name.lower()).symbol == symbol  # "sk하이닉스" as typed
        steps = plan_question(f"{name} 주가", plugins=[]).steps
        assert [s.params["symbol"] for s in steps if s.connector == "stocks"] == [symbol], name
