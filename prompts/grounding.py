"""Grounded answering: the system prompt, the program-built sources block, the number check.

The embedded model's prose is weak, and any model can misquote. So the user always sees
the real figures from :func:`sources_block`, built by the program from the packed context,
and :func:`check_numbers` flags every number in an answer that is neither in the context nor
derivable by the facts code (``prompts.facts``), whatever the model wrote.
"""

from __future__ import annotations

import bisect
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from prompts.formatting import korean_amount
from prompts.results import PackedContext, SourceFailure

__all__ = ["check_numbers", "extract_numbers", "korean_amount", "parse_korean_numeral", "sources_block", "system_prompt"]

_LANGUAGE_NAMES = {"ko": "Korean (한국어)", "en": "English"}


@lru_cache(maxsize=1)
def _template() -> str:
    return resources.files("prompts").joinpath("grounded_system.md").read_text(encoding="utf-8")


def system_prompt(lang: str) -> str:
    """The grounded system prompt, fixed text with only the answer language filled in."""
    return _template().replace("{language}", _LANGUAGE_NAMES.get(lang, "the question's language")).strip()


# --- sources block --------------------------------------------------------------------------

_LABELS = {
    "en": {"title": "Sources", "as_of": "as of", "stale": "STALE (cached after the source failed)",
           "missing": "not available", "derived": "computed by briefbot", "none": "no data was fetched",
           "conversion": "conversion", "comparison": "comparison"},
    "ko": {"title": "출처", "as_of": "기준", "stale": "오래된 데이터(출처 장애로 캐시 사용)",
           "missing": "가져오지 못함", "derived": "briefbot 계산", "none": "가져온 데이터 없음",
           "conversion": "환산", "comparison": "비교"},
}
# What each built-in connector fetches, for a failure line a reader understands.
_WHAT = {"weather": ("weather", "날씨"), "air": ("air quality", "대기질"), "fx": ("exchange rate", "환율"),
         "crypto": ("coin price", "코인 시세"), "stocks": ("stock price", "주가")}
_SUBJECT_PARAMS = ("place", "symbol", "market", "coin")


def sources_block(packed: PackedContext, lang: str) -> str:
    """What the user reads under every answer: figures used, source, as-of time, age — in the
    question's language, in words rather than field names."""
    labels = _LABELS.get(lang, _LABELS["en"])
    lines = [f"{labels['title']}:"]
    for ref in packed.sources:
        figures = f": {ref.headline}" if getattr(ref, "headline", "") else ""
        stale = f" — {labels['stale']}" if ref.stale else ""
        lines.append(f"- {ref.subject}{figures} — {ref.source}, {labels['as_of']} {ref.as_of_text} ({ref.age_text}){stale}")
    for line in packed.derived_text:
        lines.append(f"- {_derived_for_reader(line, labels, lang)} ({labels['derived']})")
    for failure in packed.failures:
        lines.append(f"- {_failure_subject(failure, lang)}: {labels['missing']} ({failure.message})")
    if len(lines) == 1:
        lines.append(f"- {labels['none']}")
    return "\n".join(lines)


def _derived_for_reader(line: str, labels: dict[str, str], lang: str) -> str:
    head, _, rest = line.partition(": ")
    if head not in ("conversion", "comparison"):
        return line
    if lang == "ko" and head == "comparison":
        m = re.match(r"(.+) change differs by (\S+) percentage points", rest)
        if m:
            rest = f"{m.group(1)} 변동률 차이 {m.group(2)}%p"
    if lang == "ko" and head == "conversion":
        rest = re.sub(r"(\d) KRW\b", r"\1원", rest).replace("만)", "만원)").replace("억)", "억원)")
        rest = re.sub(r"\((\d[\d억만조, ]*\d)\)", r"(\1원)", rest)
    return f"{labels[head]}: {rest}"


def _failure_subject(failure: SourceFailure, lang: str) -> str:
    """'부산 대기질' / 'air quality for Busan' instead of 'air place=Busan'."""
    what = _WHAT.get(failure.connector)
    if what is None:
        return failure.describe()
    params = failure.params
    subject = next((params[k] for k in _SUBJECT_PARAMS if params.get(k)), "")
    if not subject and params.get("base"):
        subject = f"{params['base']}/{params.get('symbols') or '…'}"
    when = params.get("date") or (f"{params['start']}~{params.get('end', '')}" if params.get("start") else "")
    if lang == "ko":
        return " ".join(p for p in (subject, when, what[1]) if p)
    return f"{what[0]} for {subject}" + (f" ({when})" if when else "") if subject else what[0]


# --- number checking ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Num:
    text: str  # as written
    value: float
    tolerance: float  # half a unit of the last written digit, scaled
    # Korean amounts (8,143만, 1억 6,287만) are read cut at their last unit as often as
    # rounded: such a number also stands for values up to one unit above it.
    cut: bool = False


_SCALES = {"천": 1e3, "만": 1e4, "억": 1e8, "조": 1e12, "k": 1e3, "thousand": 1e3, "million": 1e6,
           "mn": 1e6, "m": 1e6, "billion": 1e9, "bn": 1e9, "b": 1e9, "trillion": 1e12, "tn": 1e12}
# A number, optionally followed by one Korean or English scale word; Korean amounts chain
# ("1억 6,288만"), which _merge_korean joins.
_NUMBER = re.compile(
    r"(?<![\w.])[-−+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
    r"(?:\s?(?:조|억|만|천)|\s?(?:thousand|million|billion|trillion|bn|mn|tn)\b|(?:k|m|b)\b|\s?%)?",
    re.IGNORECASE,
)
_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b|(\d{4})년\s*(\d{1,2})월\s*(\d{1,2})일|\b(\d{1,2})월\s*(\d{1,2})일")
_TIME = re.compile(r"\b(\d{1,2}):(\d{2})(?::\d{2})?\b")
# "08-23", "01-26~02-01": a day of a month, as headlines, summaries and tables write it.
MONTH_DAY = re.compile(r"(?<![\d.,-])(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])(?!\d|[.,]\d)")
# Numbers that are names, not quantities: PM2.5, PM10, 52-week, 24h, list markers.
_IDENTIFIER = re.compile(
    r"(?i)\bpm\s?(?:2\.5|10)\b|\b\d{1,3}\s?(?:d|h|days?|hours?|weeks?|months?|years?)\b|"
    r"\d{1,3}\s?(?:일|시간|주|개월|년)(?=\s?(?:변동|간|동안))|(?:지난|최근)\s?\d{1,3}\s?(?:일|시간|주|개월|년)|\d{1,3}\s?개월|\b52[- ]?(?:week|wk)s?\b|52주|\b24\s?(?:h|hours?|hr)\b|24시간|"
    r"\b\d{6}\.K[SQ]\b|^\s*\d+[.)]\s|\bwmo\b|\b[A-Z]{2,}\d+\b|\bO3\b|\bNO2\b|\bSO2\b|\bCO2\b"
)
_KO_DIGITS = {"일": 1, "이": 2, "삼": 3, "사": 4, "오": 5, "육": 6, "칠": 7, "팔": 8, "구": 9}
_KO_SMALL = {"십": 10, "백": 100, "천": 1000}
_KO_BIG = {"만": 1e4, "억": 1e8, "조": 1e12}
_KO_WORD = re.compile(r"(?<![\uac00-\ud7a3])([일이삼사오육칠팔구십백천만억조]{2,})(?=$|[^\uac00-\ud7a3]|원|달러|엔|도|퍼센트|명|개)")


def parse_korean_numeral(word: str) -> float | None:
    """'삼만' → 30000, '오천' → 5000, '이십삼' → 23; None unless it is a clean numeral."""
    if not any(c in _KO_SMALL or c in _KO_BIG for c in word):
        return None
    total = 0.0
    section = 0.0
    digit = 0
    for c in word:
        if c in _KO_DIGITS:
            if digit:
                return None
            digit = _KO_DIGITS[c]
        elif c in _KO_SMALL:
            section += (digit or 1) * _KO_SMALL[c]
            digit = 0
        elif c in _KO_BIG:
            total += (section + digit or 1) * _KO_BIG[c]
            section, digit = 0.0, 0
        else:
            return None
    return total + section + digit


def _to_num(match_text: str) -> _Num | None:
    raw = match_text.strip()
    m = re.match(r"([-−+]?)([\d,]+(?:\.\d+)?)\s*([^\d\s]*)$", raw)
    if not m:
        return None
    digits = m.group(2).replace(",", "")
    try:
        value = float(digits)
    except ValueError:
        return None
    decimals = len(digits.split(".")[1]) if "." in digits else 0
    scale = _SCALES.get(m.group(3).lower(), 1.0) if m.group(3) else 1.0  # "%" keeps scale 1
    if m.group(1) in ("-", "−"):
        value = -value
    cut = bool(m.group(3)) and m.group(3)[-1] in ("만", "억", "조")
    return _Num(raw, value * scale, 0.5 * 10 ** (-decimals) * scale, cut=cut)


def _merge_korean(nums: list[tuple[int, int, _Num]]) -> list[_Num]:
    """Join '1억' + '6,288만' written side by side into one amount."""
    out: list[tuple[int, int, _Num]] = []
    for start, end, n in nums:
        if out:
            ps, pe, p = out[-1]
            big = p.text[-1:] in ("조", "억", "만") and n.text[-1:] in ("억", "만", "천") or (p.text[-1:] in ("조", "억", "만") and n.text[-1:].isdigit())
            if big and start - pe <= 1 and abs(n.value) < abs(p.value):
                merged = _Num(f"{p.text} {n.text}", p.value + math.copysign(n.value, p.value), n.tolerance,
                              cut=n.cut or p.cut)
                out[-1] = (ps, end, merged)
                continue
        out.append((start, end, n))
    return [n for _, _, n in out]


def extract_numbers(text: str) -> list[_Num]:
    """Every quantity written in ``text`` (dates, times and identifiers left out)."""
    masked = _IDENTIFIER.sub(lambda m: " " * len(m.group(0)), text)
    masked = _DATE.sub(lambda m: " " * len(m.group(0)), masked)
    masked = _TIME.sub(lambda m: " " * len(m.group(0)), masked)
    masked = MONTH_DAY.sub(lambda m: " " * len(m.group(0)), masked)
    found: list[tuple[int, int, _Num]] = []
    for m in _NUMBER.finditer(masked):
        n = _to_num(m.group(0))
        if n is not None:
            found.append((m.start(), m.end(), n))
    for m in _KO_WORD.finditer(masked):
        v = parse_korean_numeral(m.group(1))
        if v is not None:
            found.append((m.start(), m.end(), _Num(m.group(1), v, 0.5)))
    found.sort(key=lambda t: t[0])
    return _merge_korean(found)


def _dates(text: str, *, expand: bool = False) -> set[str]:
    """Dates written in ``text`` as 'YYYY-MM-DD' or 'MM-DD'; ``expand`` adds 'MM-DD' of full dates."""
    out: set[str] = set()
    for m in _DATE.finditer(text):
        if m.group(1):
            y, mo, d = m.group(1), m.group(2), m.group(3)
            if expand:
                out.add(f"{int(mo):02d}-{int(d):02d}")
            out.add(f"{y}-{int(mo):02d}-{int(d):02d}")
        elif m.group(4):
            out.add(f"{m.group(4)}-{int(m.group(5)):02d}-{int(m.group(6)):02d}")
        else:
            out.add(f"{int(m.group(7)):02d}-{int(m.group(8)):02d}")
    if expand:  # table rows write dates as MM-DD
        out.update(m.group(0) for m in re.finditer(r"(?<![\d-])\d{2}-\d{2}(?![\d-])", text))
    return out


def _times(text: str) -> set[str]:
    return {f"{int(m.group(1)):02d}:{m.group(2)}" for m in _TIME.finditer(text)}


def reference_numbers(packed: PackedContext, *, derived: bool = True) -> list[float]:
    """Numbers an answer may use: the context's, the facts', and changes within one block.

    Changes between two numbers of the same block (absolute and percent) and inverses of
    exchange rates are what the facts code derives; pairs across blocks are not, so an
    answer cannot launder an arbitrary number through unrelated figures. Without
    ``derived``, only the numbers the context states.
    """
    refs: list[float] = [f.number for f in packed.facts if f.number is not None]
    blocks = re.split(r"\n(?=## )", packed.text)
    for block in blocks:
        nums = [n.value for n in extract_numbers(block)]
        refs.extend(nums)
        if not derived:
            continue
        uniq = sorted(set(nums))[:80]  # bounded: pairs grow quadratically
        for a in uniq:
            for b in uniq:
                if a != b:
                    refs.append(a - b)
                    if b:
                        refs.append((a - b) / abs(b) * 100.0)
        if " · fx" in block.split("\n", 1)[0]:
            refs.extend(1.0 / v for v in uniq if v)
    return refs


def check_numbers(answer: str, packed: PackedContext, *, derived: bool = True) -> list[str]:
    """Numbers in ``answer`` that the context neither states nor derives, as written.

    Tolerates rounding (to the precision the answer wrote), thousands separators, 억/조/만
    and million/billion scales, signs dropped in prose ("fell 0.2%"), and simple Korean
    numerals (삼만). Dates and clock times must match ones in the context.
    """
    refs = sorted({abs(r) for r in reference_numbers(packed, derived=derived)})
    flagged: list[str] = []
    for n in extract_numbers(answer):
        v = abs(n.value)
        tol = max(n.tolerance, v * 1e-9)
        if n.cut:  # rounded (v ± half a unit) or cut (v up to a whole unit above): one window
            v, tol = v + tol / 2, tol * 1.5
        if not _near(refs, v, tol):
            flagged.append(n.text)
    context_dates, context_times = _dates(packed.text, expand=True), _times(packed.text)
    # Tables write dates as MM-DD under a "date(2024)" header; the full date is the same day.
    context_years = set(re.findall(r"(?<!\d)(20\d\d)(?!\d)", packed.text))
    # Days written as MM-DD ("on 01-28") must be the data's days too.
    month_days = {m.group(0) for m in MONTH_DAY.finditer(_DATE.sub(" ", answer))}
    for d in sorted((_dates(answer) | month_days) - context_dates):
        if len(d) == 10 and d[5:] in context_dates and d[:4] in context_years:
            continue
        flagged.append(d)
    for t in sorted(_times(answer) - context_times):
        flagged.append(t)
    return flagged


def _near(sorted_refs: list[float], v: float, tol: float) -> bool:
    i = bisect.bisect_left(sorted_refs, v - tol)
    return i < len(sorted_refs) and sorted_refs[i] <= v + tol
