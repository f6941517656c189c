"""Few-shot completion prompts for base models (no chat template, no instruction tuning).

A base model continues patterns; it does not follow instructions. Measured on the bundled
Gemma 3 270M base: given worked ``Data: / Question: / Answer:`` examples and greedy decoding,
it copied the right figures in most answers, where the chat turn format gave none. So a
grounded question is asked as the next item of a list of worked examples:

    <examples, fixed per language and style>    evaluated once per process (prefix cache)
    Data:
    <the packed context, condensed>
    Question: <the question>
    Answer:                                      the model writes one line; a newline ends it

The examples cover each answer shape (a current reading, a rate, a conversion, a price
with its change, a forecast's high and low, a trend, a comparison or two subjects, missing
data). Their
figures are invented for the examples and share none with real data, so a copied example
number is caught by the number check. Style follows the persona: the Korean examples are
written in 존댓말, ``analyst`` gets terse ones.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A newline ends an answer; "Data:"/"Question:" mean the model began a new example.
ANSWER_STOPS = ["\n", "Question:", "Data:", "<<<"]


@dataclass(frozen=True)
class Example:
    data: str
    question: str
    answer: str
    terse: str  # the same answer, as the `analyst` persona would give it


_EN = [
    Example(
        "## Oslo, Norway · Open-Meteo · 2024-11-04 09:30 CET (20 min ago)\ncurrent:\ntemperature: 4.6 °C\n"
        "apparent_temperature: 1.9 °C\ncondition: light rain\nhourly, 6 points:\n"
        "temperature(°C): min 4.1 at 14:00; max 5.3 at 11:00; mean 4.7\nprecipitation_probability: max 80% at 10:00",
        "What's the weather in Oslo right now?",
        "It is 4.6 °C with light rain in Oslo, and the chance of rain peaks at 80% at 10:00.",
        "Oslo: 4.6 °C, light rain; rain chance up to 80%.",
    ),
    Example(
        "## GBP/USD rate · Frankfurter (ECB) · 2024-06-07 16:00 CEST (3 h ago)\nrate: 1.2718 USD per 1 GBP\n"
        "## derived by briefbot\nconversion: 40 GBP = 50.87 USD at GBP/USD 1.2718",
        "How many dollars is 40 pounds?",
        "40 GBP is 50.87 USD at 1.2718 USD per pound.",
        "40 GBP = 50.87 USD at 1.2718.",
    ),
    Example(
        "## CHF/USD rate · Frankfurter (ECB) · 2024-02-09 16:00 CET (2 h ago)\nrate: 1.1427 USD per 1 CHF",
        "How is the Swiss franc doing?",
        "The Swiss franc is at 1.1427 USD per 1 CHF.",
        "CHF/USD 1.1427.",
    ),
    Example(
        "## MSFT quote · Yahoo Finance · 2024-05-20 16:00 EDT (1 h ago)\nname: Microsoft Corporation\n"
        "price: 425.34 USD\nchange: 3.12 USD, change_pct: 0.74% vs previous_close 422.22 USD",
        "How is Microsoft stock doing?",
        "Microsoft is at 425.34 USD, up 3.12 USD (0.74%) from the previous close.",
        "MSFT 425.34 USD, up 0.74%.",
    ),
    Example(
        "## Rome, Italy · Open-Meteo · 2024-09-02 08:00 CEST (10 min ago)\ndaily, 5 points:\n"
        "temperature_max(°C): min 26.1 at 09-05; max 31.4 at 09-02; mean 28.9\n"
        "temperature_min(°C): min 17.3 at 09-06; max 20.2 at 09-02; mean 18.8\nprecipitation_probability_max: max 45% at 09-05",
        "How warm will it get in Rome this week?",
        "Rome peaks at 31.4 °C on 09-02; nights drop to 17.3 °C, and rain is most likely on 09-05 at 45%.",
        "Rome: high 31.4 °C (09-02), low 17.3 °C (09-06).",
    ),
    Example(
        "## TSLA daily · Yahoo Finance · 2024-03-28 16:00 EDT (2 h ago)\ndaily, 64 points, summarised:\n"
        "close min: 162.50 USD at 2024-03-14\nclose max: 248.42 USD at 2024-01-02\n"
        "close change: -73.38 USD, change_pct: -29.5% since 2024-01-02\nclose trend: down",
        "How has Tesla trended over the last 3 months?",
        "Tesla fell 29.5% over the period, from 248.42 USD to a low of 162.50 USD on 2024-03-14; the trend is down.",
        "TSLA: -29.5% since 2024-01-02, low 162.50 USD, trend down.",
    ),
    Example(
        "## KO quote · Yahoo Finance · 2024-07-12 16:00 EDT (40 min ago)\nprice: 64.87 USD\n"
        "change: 0.41 USD, change_pct: 0.64% vs previous_close 64.46 USD\n"
        "## PEP quote · Yahoo Finance · 2024-07-12 16:00 EDT (40 min ago)\nprice: 167.03 USD\n"
        "change: -1.20 USD, change_pct: -0.71% vs previous_close 168.23 USD",
        "Compare Coca-Cola and Pepsi shares",
        "Coca-Cola is at 64.87 USD (+0.64%) and Pepsi at 167.03 USD (-0.71%).",
        "KO 64.87 USD +0.64%; PEP 167.03 USD -0.71%.",
    ),
]

_KO = [
    Example(
        "## Daegu, South Korea · Open-Meteo · 2024-12-09 08:00 KST (10분 전)\ncurrent:\ntemperature: -2.4 °C\n"
        "apparent_temperature: -5.8 °C\ncondition: clear sky\nhourly, 6 points:\n"
        "temperature(°C): min -2.9 at 08:00; max 3.6 at 13:00; mean 0.8\nprecipitation_probability: max 0% at 08:00",
        "대구 지금 날씨 어때?",
        "대구는 지금 -2.4 °C이고 맑으며, 비 올 확률은 0%입니다.",
        "대구 -2.4 °C, 맑음.",
    ),
    Example(
        "## EUR/KRW rate · Frankfurter (ECB) · 2024-08-16 16:00 CEST (5시간 전)\nrate: 1497.35 KRW per 1 EUR\n"
        "## derived by briefbot\nconversion: 30 EUR = 44921 KRW (4만 4,921) at EUR/KRW 1497.35",
        "30유로는 몇 원이에요?",
        "30유로는 44921원입니다. 환율은 1유로당 1497.35원입니다.",
        "30 EUR = 44921 KRW, 환율 1497.35.",
    ),
    Example(
        "## KRW-XRP quote · Upbit · 2024-10-21 14:10 KST (3분 전)\nprice: 742 KRW\n"
        "change: -12 KRW, change_pct: -1.59% vs previous_close 754 KRW",
        "리플 지금 얼마예요?",
        "리플은 742원으로, 전일 종가보다 12원(-1.59%) 내렸습니다.",
        "KRW-XRP 742원, -1.59%.",
    ),
    Example(
        "## KRW-SOL quote · Upbit · 2024-11-18 09:20 KST (2분 전)\nprice: 318400 KRW\n"
        "change: 5600 KRW, change_pct: 1.79% vs previous_close 312800 KRW\n"
        "## CNY/KRW rate · Frankfurter (ECB) · 2024-11-15 16:00 CET (3일 전)\nrate: 193.26 KRW per 1 CNY",
        "솔라나랑 위안화 환율 알려줘",
        "솔라나는 318400원으로 1.79% 올랐고, 위안화 환율은 1위안당 193.26원입니다.",
        "KRW-SOL 318400원 +1.79%; CNY/KRW 193.26원.",
    ),
    Example(
        "## Gwangju, South Korea · Open-Meteo · 2024-04-15 07:00 KST (5분 전)\ndaily, 7 points:\n"
        "temperature_max(°C): min 17.2 at 04-18; max 24.6 at 04-20; mean 21.0\n"
        "temperature_min(°C): min 6.3 at 04-16; max 12.9 at 04-21; mean 9.4\nprecipitation_probability_max: max 70% at 04-18",
        "광주 이번 주 날씨 알려줘",
        "광주는 이번 주 최고 24.6 °C(04-20), 최저 6.3 °C(04-16)이고, 04-18에 비 올 확률이 70%로 가장 높습니다.",
        "광주 최고 24.6 °C, 최저 6.3 °C, 04-18 강수확률 70%.",
    ),
    Example(
        "## 000660.KS daily · Yahoo Finance · 2024-06-28 15:30 KST (1시간 전)\ndaily, 60 points, summarised:\n"
        "close min: 171500 KRW at 2024-04-19\nclose max: 235500 KRW at 2024-06-27\n"
        "close change: 52300 KRW, change_pct: 28.5% since 2024-04-01\nclose trend: up",
        "SK하이닉스 최근 3개월 주가 추이 알려줘",
        "SK하이닉스는 이 기간 28.5% 올랐고, 최저 171500원(2024-04-19)에서 최고 235500원(2024-06-27)까지 움직였습니다. 추세는 상승입니다.",
        "000660.KS +28.5%, 최저 171500원, 최고 235500원, 상승 추세.",
    ),
    Example(
        "## MISSING weather place=Jeonju: fetch failed [SourceUnavailable]: timed out. No data from this source; say so if the question needs it.",
        "전주 날씨 어때요?",
        "전주 날씨 데이터를 가져오지 못해 지금은 답할 수 없습니다.",
        "전주 날씨: 데이터 없음.",
    ),
]

_EN_MISSING = Example(
    "## MISSING stocks symbol=NVDA: fetch failed [RateLimited]: too many requests. No data from this source; say so if the question needs it.",
    "What is Nvidia's stock price?",
    "I could not get Nvidia's price data just now, so I cannot answer.",
    "NVDA: no data.",
)


def examples(lang: str) -> list[Example]:
    """The worked examples for ``lang`` (Korean, else English)."""
    return list(_KO) if lang == "ko" else [*_EN, _EN_MISSING]


def prefix(lang: str, *, terse: bool = False) -> str:
    """The fixed part of every prompt for ``lang``: identical text, so llama.cpp reuses its state."""
    parts = []
    for ex in examples(lang):
        answer = ex.terse if terse else ex.answer
        parts.append(f"Data:\n{condense(ex.data)}\nQuestion: {ex.question}\nAnswer: {answer}\n\n")
    return "".join(parts)


# Lines of the packed context a small model reads as noise: fences, planner notes, connector
# notes, CSV header and rows, the anchors label. Summary lines (min/max/change/trend) stay.
_NOISE_LINE = re.compile(
    r"^(<<<.*>>>|planner note:.*|note:.*|anchors:|[\w ()%°/.-]+\([^)]*\)(,[\w ()%°/.-]+)+|[\d:.-]+(,[^,]*)+)$"
)


_CHANGE_PCT = re.compile(r"change_pct: ([-+]?\d+(?:\.\d+)?)%")


def _with_direction(line: str) -> str:
    """'change: -282000 KRW, change_pct: -0.17% …' + ' (down)': a 270M model copies a word it
    sees far more reliably than it reads a sign."""
    m = _CHANGE_PCT.search(line)
    if not m or not line.lstrip().startswith(("change", "close change")):
        return line
    value = float(m.group(1))
    return line + (" (up)" if value > 0 else " (down)" if value < 0 else " (unchanged)")


def condense(packed_text: str) -> str:
    """The packed context without what a base model cannot use (tables, fences, notes)."""
    lines = [_with_direction(line) for line in packed_text.splitlines()
             if line.strip() and not _NOISE_LINE.match(line.strip())]
    return "\n".join(lines)


def completion_prompt(packed_text: str, question: str, lang: str, *, terse: bool = False) -> str:
    """The whole prompt: the examples, then this question's data and the open answer."""
    question_line = " ".join(question.split())
    return f"{prefix(lang, terse=terse)}Data:\n{condense(packed_text)}\nQuestion: {question_line}\nAnswer:"
