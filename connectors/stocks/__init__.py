"""The ``stocks`` connector as a package: names and listings, params and records, the Yahoo
and Alpha Vantage clients, and the connector that chooses between them.

Imports run one way (listings ← models ← yahoo, alphavantage ← connector), so no module here
needs a deferred import.
"""

from connectors.stocks.connector import StocksConnector
from connectors.stocks.listings import KOREAN_LISTINGS, LISTINGS, symbol_for_name
from connectors.stocks.models import StockDaily, StockQuote, StocksParams

__all__ = ["KOREAN_LISTINGS", "LISTINGS", "StockDaily", "StockQuote", "StocksConnector", "StocksParams", "symbol_for_name"]
