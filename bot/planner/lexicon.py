"""The planner's vocabulary; it lives in :mod:`prompts.lexicon` (the packer needs it too, and
prompts must not import bot). Re-exported here under the planner's name for it."""

from prompts.lexicon import (
    COIN_TICKERS,
    COINS,
    COMPANIES,
    CURRENCY_WORDS,
    FX_CODES,
    KNOWN_TICKERS,
    NOT_TICKERS,
    PLACE_ZONES,
    PLACES,
    Coin,
    Company,
    Place,
    zone_for_subject,
)

__all__ = [
    "COIN_TICKERS", "COINS", "COMPANIES", "CURRENCY_WORDS", "FX_CODES", "KNOWN_TICKERS", "NOT_TICKERS",
    "PLACE_ZONES", "PLACES", "Coin", "Company", "Place", "zone_for_subject",
]
