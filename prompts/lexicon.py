"""Vocabulary the rules planner matches: places, companies, currencies, coins, topic words.

Kept as plain data so adding a city or a ticker is a one-line change; companies come from
:mod:`connectors.stocks.listings`, the list the stocks connector resolves names with. Korean names map to
English place names on purpose: Open-Meteo's Korean geocoding is uneven (see
shared/api-samples/SOURCES.md), while the English names resolve reliably.
"""

from __future__ import annotations

from dataclasses import dataclass

from connectors.stocks.listings import LISTINGS, is_korean_listing


@dataclass(frozen=True)
class Place:
    name: str  # what is sent to the connector (English)
    country: str  # ISO 3166 alpha-2
    zone: str  # IANA time zone, for "as of" times


@dataclass(frozen=True)
class Company:
    symbol: str
    currency: str
    zone: str


@dataclass(frozen=True)
class Coin:
    gecko_id: str  # CoinGecko id
    ticker: str  # Upbit market suffix (KRW-<ticker>)


_SEOUL = "Asia/Seoul"

# name (lower-case for Latin script) -> Place; Korean and English spellings side by side.
PLACES: dict[str, Place] = {}


def _place(names: tuple[str, ...], name: str, country: str, zone: str) -> None:
    for n in names:
        PLACES[n.lower()] = Place(name, country, zone)


_place(("서울", "seoul"), "Seoul", "KR", _SEOUL)
_place(("부산", "busan", "pusan"), "Busan", "KR", _SEOUL)
_place(("제주", "jeju"), "Jeju", "KR", _SEOUL)
_place(("인천", "incheon"), "Incheon", "KR", _SEOUL)
_place(("대구", "daegu"), "Daegu", "KR", _SEOUL)
_place(("대전", "daejeon"), "Daejeon", "KR", _SEOUL)
_place(("광주", "gwangju"), "Gwangju", "KR", _SEOUL)
_place(("울산", "ulsan"), "Ulsan", "KR", _SEOUL)
_place(("수원", "suwon"), "Suwon", "KR", _SEOUL)
_place(("강릉", "gangneung"), "Gangneung", "KR", _SEOUL)
_place(("도쿄", "동경", "tokyo"), "Tokyo", "JP", "Asia/Tokyo")
_place(("오사카", "osaka"), "Osaka", "JP", "Asia/Tokyo")
_place(("베이징", "북경", "beijing"), "Beijing", "CN", "Asia/Shanghai")
_place(("상하이", "shanghai"), "Shanghai", "CN", "Asia/Shanghai")
_place(("홍콩", "hong kong"), "Hong Kong", "HK", "Asia/Hong_Kong")
_place(("싱가포르", "singapore"), "Singapore", "SG", "Asia/Singapore")
_place(("방콕", "bangkok"), "Bangkok", "TH", "Asia/Bangkok")
_place(("하노이", "hanoi"), "Hanoi", "VN", "Asia/Ho_Chi_Minh")
_place(("시드니", "sydney"), "Sydney", "AU", "Australia/Sydney")
_place(("뉴욕", "new york", "nyc"), "New York", "US", "America/New_York")
_place(("로스앤젤레스", "엘에이", "los angeles"), "Los Angeles", "US", "America/Los_Angeles")
_place(("샌프란시스코", "san francisco"), "San Francisco", "US", "America/Los_Angeles")
_place(("런던", "london"), "London", "GB", "Europe/London")
_place(("파리", "paris"), "Paris", "FR", "Europe/Paris")
_place(("베를린", "berlin"), "Berlin", "DE", "Europe/Berlin")
_place(("리스본", "lisbon"), "Lisbon", "PT", "Europe/Lisbon")
_place(("키이우", "키예프", "kyiv", "kiev"), "Kyiv", "UA", "Europe/Kyiv")

PLACE_ZONES: dict[str, str] = {p.name.lower(): p.zone for p in PLACES.values()}

def _companies() -> dict[str, Company]:
    """Every name of every listing, lower-cased, from the stocks connector's one list."""
    out: dict[str, Company] = {}
    for symbol, names in LISTINGS.items():
        korean = is_korean_listing(symbol)
        company = Company(symbol, "KRW" if korean else "USD", _SEOUL if korean else "America/New_York")
        for name in names:
            out[name.lower()] = company
    return out


COMPANIES: dict[str, Company] = _companies()

KNOWN_TICKERS = frozenset(c.symbol for c in COMPANIES.values())

# ISO codes Frankfurter (ECB reference rates) publishes, KRW included.
FX_CODES = frozenset(
    "AUD BGN BRL CAD CHF CNY CZK DKK EUR GBP HKD HUF IDR ILS INR ISK JPY KRW MXN MYR NOK NZD "
    "PHP PLN RON SEK SGD THB TRY USD ZAR".split()
)

# Currency words; longer names first so "홍콩 달러" wins over "달러".
CURRENCY_WORDS: list[tuple[str, str]] = [
    ("홍콩 달러", "HKD"), ("홍콩달러", "HKD"), ("호주 달러", "AUD"), ("호주달러", "AUD"),
    ("캐나다 달러", "CAD"), ("캐나다달러", "CAD"), ("싱가포르 달러", "SGD"), ("싱가포르달러", "SGD"),
    ("hong kong dollar", "HKD"), ("australian dollar", "AUD"), ("canadian dollar", "CAD"),
    ("singapore dollar", "SGD"),
    ("달러", "USD"), ("dollars", "USD"), ("dollar", "USD"), ("usd", "USD"), ("$", "USD"),
    ("엔화", "JPY"), ("엔", "JPY"), ("yen", "JPY"), ("¥", "JPY"),
    ("유로", "EUR"), ("euros", "EUR"), ("euro", "EUR"), ("€", "EUR"),
    ("위안화", "CNY"), ("위안", "CNY"), ("yuan", "CNY"), ("renminbi", "CNY"), ("rmb", "CNY"),
    ("파운드", "GBP"), ("pounds", "GBP"), ("pound", "GBP"), ("sterling", "GBP"), ("£", "GBP"),
    ("스위스 프랑", "CHF"), ("프랑", "CHF"), ("swiss franc", "CHF"), ("franc", "CHF"),
    ("원화", "KRW"), ("won", "KRW"), ("₩", "KRW"),
]

COINS: dict[str, Coin] = {}


def _coin(names: tuple[str, ...], gecko_id: str, ticker: str) -> None:
    for n in names:
        COINS[n.lower()] = Coin(gecko_id, ticker)


_coin(("비트코인", "비트", "bitcoin", "btc"), "bitcoin", "BTC")
_coin(("이더리움", "이더", "ethereum", "ether", "eth"), "ethereum", "ETH")
_coin(("리플", "ripple", "xrp"), "ripple", "XRP")
_coin(("솔라나", "solana", "sol"), "solana", "SOL")
_coin(("도지코인", "도지", "dogecoin", "doge"), "dogecoin", "DOGE")

COIN_TICKERS = frozenset(c.ticker for c in COINS.values())

# Upper-case words that are never stock tickers even in a stock context.
NOT_TICKERS = frozenset({"I", "A", "AI", "PM", "AM", "OK", "US", "USA", "UK", "EU", "ETF", "CEO", "KST", "UTC", "API", "THE"})


def zone_for_subject(subject: str) -> str | None:
    """IANA zone of the place or market a record is about, when known.

    Korea's markets (``005930.KS``, ``KRW-BTC``) and Korean places report in KST, the zone
    Korean users read times in; a place from the gazetteer reports in its own zone.
    """
    s = subject.strip()
    upper = s.upper()
    if upper.endswith((".KS", ".KQ")) or upper.startswith("KRW-"):
        return _SEOUL
    if upper in KNOWN_TICKERS:
        for c in COMPANIES.values():
            if c.symbol == upper:
                return c.zone
    head = s.split(",")[0].strip().lower()
    if head in PLACE_ZONES:
        return PLACE_ZONES[head]
    if head in PLACES:
        return PLACES[head].zone
    return None
