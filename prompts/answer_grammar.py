"""The grammar of the constrained retry: what an answer over this data may write.

A base model that failed the check once gets one more try under a llama.cpp GBNF grammar
built from the data, so the failures the check saw most on the bundled 270M model cannot
happen again:

* every number it writes is one of the data's quantities *with its unit* (dates and clock
  times left out: the program cites the as-of time itself), spelled for the answer's
  language: "269.70 USD" or "269.70달러", never "269.70원"; a percentage stays one;
* the figures the question asks for (:func:`required_figures`: each conversion's result, or
  what the question asks of each subject) come first, in the data's order, after a short
  lead-in (at most 40 characters in English; in Korean up to three of the question's own
  words, nouns for the data's kind and particles), so an answer cannot leave them out or
  open with the previous close, which is not offered at all;
* one sentence: no full stop before the end, which is "." in English and "다." in Korean
  (so a Korean answer is Korean); the words are bounded and at most two more figures follow
  the asked ones, so the sentence ends well inside the token limit instead of being cut;
* words are letters (Latin in English, Hangul in Korean), spaces and a few marks: no
  digits, markup, brackets, hyphens, underscores or currency symbols, and every figure
  follows a space (none glued to a word).

The words stay the model's own. Phrases the data contradicts are refused by
:mod:`prompts.answer_bans`, and the check still runs afterwards, so a grammar that lets
something through is caught.
"""

from __future__ import annotations

import re

from prompts.fewshot import condense
from prompts.figures import Figure, conversion_results, converted_amounts, headline_figures, stated_figures
from prompts.packer import PackedContext

# Characters before the first asked figure: enough for "서울은 지금" or "The USD/KRW rate is",
# too few to wander off (the grammar counts characters, not tokens). There is always one: an
# answer that opens with a bare figure ("71,000 KRW, 4100 KRW, 6.1% 였습니다") names nothing.
LEAD_MAX_CHARS = 40
KO_LEAD_MAX_WORDS = 3
# Words between two figures: room for "up 0.70 USD from the previous close, 0.26%", not for a
# second answer. Up to two more of the data's figures may follow the asked ones.
CLAUSE_MAX_CHARS = 32

# How each unit may be written after its number, by answer language. A unit not listed is
# written as the data writes it.
_SPELLINGS: dict[str, dict[str, tuple[str, ...]]] = {
    "KRW": {"ko": ("원", " 원", " KRW"), "en": (" KRW", " won")},
    "USD": {"ko": (" USD", " 달러", "달러"), "en": (" USD", " dollars")},
    "EUR": {"ko": (" EUR", " 유로", "유로"), "en": (" EUR", " euros")},
    "JPY": {"ko": (" JPY", " 엔", "엔"), "en": (" JPY", " yen")},
    "°C": {"ko": (" °C", "°C", "도"), "en": (" °C", "°C")},
}
# "지난 3개월", "6 months", "24 hours": a period the question or the data names may be
# written as such (it is not a figure, and the number check does not read it as one).
_PERIOD = re.compile(r"(?:지난|최근)\s?\d{1,3}\s?(?:일|주|개월|년|시간)|\d{1,3}\s?개월|\b\d{1,3}\s(?:hours?|days?|weeks?|months?|years?)\b")


# A Korean answer opens with the question's own words (its particles and question endings
# dropped), a few nouns an answer about this data needs, and particles: an open lead gave
# "멜라니아는", "깡통이" and "르구르르르…" for the subject.
_KO_PARTICLE = ("이랑", "랑", "에서", "으로", "에", "은", "는", "이", "가", "를", "을", "로", "와", "과", "도", "의")
_KO_QUESTION_WORD = re.compile(r"^(?:얼마|알려|어때|어떻|몇|뭐|비교|와$|야$)")
_KO_NOUNS = {"weather": ("오늘", "이번 주", "기온", "날씨", "최고", "최저"), "air": ("오늘", "공기", "미세먼지"),
             "stocks": ("가격", "주가", "종가", "전일"), "crypto": ("가격", "시세", "종가", "전일"), "fx": ("환율",)}


def _korean_lead_words(question: str, packed: PackedContext) -> list[str]:
    words = {"현재", "지금"}
    for ref in packed.sources:
        words.update(_KO_NOUNS.get(ref.kind.split(".")[0], ()))
    for word in re.findall(r"[A-Za-z\uac00-\ud7a3-]+", question):
        if _KO_QUESTION_WORD.match(word):
            continue
        stem = next((word[: -len(p)] for p in _KO_PARTICLE if word.endswith(p) and len(word) > len(p) + 1), word)
        words.add(stem)
    return sorted(words)


# A Korean chance of rain is written with its noun: a bare "0%" came out as "0%의 비가 내려"
# (a 0% rain falling). Free words may still say "비 올 " or "강수" before it.
_KO_RAIN_CHANCE = ("확률은 ", "확률이 ", "확률 ")


def _spellings(figure: Figure, lang: str) -> list[str]:
    units = _SPELLINGS.get(figure.unit, {}).get(lang) or ((f" {figure.unit}",) if figure.unit not in ("", "%") else ("",))
    texts = [figure.text]
    if figure.text.startswith(("-", "+", "−")):
        texts.append(figure.text[1:])  # "fell 0.17%": the direction word carries the sign
    labels = _KO_RAIN_CHANCE if lang == "ko" and figure.role == "rain chance" else ("",)
    return [label + t + u for label in labels for t in texts for u in units]


# "vs previous_close 269.00 USD": the model took the previous close for the price more than any
# other figure, and an answer needs no more than "from the previous close" with the change.
_PREVIOUS_CLOSE = re.compile(r"vs previous_close [^,\n]*")


def allowed_figures(packed: PackedContext) -> list[Figure]:
    """Every quantity the condensed context gives with a unit (the number check's own reading,
    so dates, clock times and identifiers are not quantities here either; nor are counts such
    as "6 points" or "26 min ago"), except the previous close."""
    return stated_figures(_PREVIOUS_CLOSE.sub("", condense(packed.text)))


def required_figures(packed: PackedContext) -> list[list[Figure]]:
    """For each subject (or conversion) the answer must cover, the figures that would cover it,
    in the data's order: each conversion's result, else what the question asks of each
    subject (:func:`prompts.figures.headline_figures`)."""
    conversions = [figs for _line, figs in conversion_results(packed)]
    wanted = conversions or list(headline_figures(packed, asked=True).values())
    return [figs for figs in wanted if figs]


def answer_grammar(packed: PackedContext, lang: str, question: str = "") -> str:
    """The GBNF grammar for one constrained answer line over ``packed``."""
    required = required_figures(packed)
    allowed = allowed_figures(packed) + [f for figs in required for f in figs]
    data_periods = {m.group(0).strip() for m in _PERIOD.finditer(condense(packed.text))}
    question_periods = {m.group(0).strip() for m in _PERIOD.finditer(question)}
    # Words are letters, spaces and a few marks: no digits outside the figures, no markup,
    # brackets, hyphens ("------") or currency symbols (the unit follows its figure), and no
    # sentence end but the last. An English answer's letters are Latin, a Korean answer's
    # Hangul ("6.1% from 앵커의 답변" mixed the two; the figures spell their own units).
    # Every figure follows a space: none is glued to a word. Before the first figure only the
    # question's own period ("지난 3개월") or a conversion's amount ("250 USD is") may be
    # written; the data's periods ("24 hours") only after it.
    letters = "\\uac00-\\ud7a3" if lang == "ko" else "a-zA-Z\\u00c0-\\u024f"
    lead_extras = sorted(question_periods) + [s for f in converted_amounts(packed) for s in _spellings(f, lang)]
    if lang == "ko":
        lead = [f"lead ::= leadword (\" \" leadword){{0,{KO_LEAD_MAX_WORDS - 1}}}",
                f"leadword ::= ({_alternatives(_korean_lead_words(question, packed) + lead_extras)}) particle?",
                f"particle ::= {_alternatives(list(_KO_PARTICLE))}"]
    else:
        lead = [f"lead ::= leadword{{2,{LEAD_MAX_CHARS}}}",
                "leadword ::= char" + (f" | {_alternatives(lead_extras)}" if lead_extras else "")]
    rules = [
        *lead,
        f"gap ::= word{{1,{CLAUSE_MAX_CHARS}}}",
        f"char ::= [{letters} ,'/:;&]",
        "word ::= char" + (f" | {_alternatives(sorted(data_periods | question_periods))}" if data_periods | question_periods else ""),
        'end ::= "다."' if lang == "ko" else 'end ::= "."',
    ]
    if len(required) == 1:
        # One asked figure: whichever the model states first, it does not state it again
        # ("from 269.70 USD to 269.70 USD").
        groups = _by_value(required[0])
        rules.append('root ::= " " lead " " (' + " | ".join(f"fig{i} tail{i}" for i in range(len(groups))) + ') end "\\n"')
        for i, group in enumerate(groups):
            rules.append(f"fig{i} ::= {_spelled(group, lang)}")
            rules += _tail(f"tail{i}", [f for f in allowed if not _same_value(f, group[0])], lang)
    else:
        figs = " ".join(f'gap " " fig{i}' if i else "fig0" for i in range(len(required)))
        rules.append(f'root ::= " " lead " " {figs} tail end "\\n"' if required else 'root ::= " " lead tail end "\\n"')
        rules += _tail("tail", allowed, lang)
        rules += [f"fig{i} ::= {_spelled(figs_i, lang)}" for i, figs_i in enumerate(required)]
    return "\n".join(rules)


def _tail(name: str, figs: list[Figure], lang: str) -> list[str]:
    """Words after a figure, with up to two more figures, never the same one twice in a row."""
    clause = f"word{{1,{CLAUSE_MAX_CHARS}}}"
    rules, branches = [], []
    for j, group in enumerate(_by_value(figs)):
        rest = [f for f in figs if not _same_value(f, group[0])]
        second = f'({clause} " " ({_spelled(rest, lang)}))? ' if rest else ""
        branches.append(f"{name}n{j}")
        rules.append(f"{name}n{j} ::= ({_spelled(group, lang)}) {second}word{{0,{CLAUSE_MAX_CHARS}}}")
    more = f' | {clause} " " ({" | ".join(branches)})' if branches else ""
    return [f"{name} ::= word{{0,{CLAUSE_MAX_CHARS}}}{more}", *rules]


def _spelled(figs: list[Figure], lang: str) -> str:
    return _alternatives([s for f in figs for s in _spellings(f, lang)])


def _same_value(a: Figure, b: Figure) -> bool:
    """The same amount, however written: "162,876,000", "162876000", "1억 6,288만", "-0.17%"."""
    return a.unit == b.unit and abs(abs(a.value) - abs(b.value)) <= max(abs(b.value) * 1e-3, 1e-9)


def _by_value(figs: list[Figure]) -> list[list[Figure]]:
    groups: list[list[Figure]] = []
    for f in figs:
        group = next((g for g in groups if _same_value(f, g[0])), None)
        if group is None:
            groups.append([f])
        else:
            group.append(f)
    return groups


def _alternatives(values: list[str]) -> str:
    return " | ".join(_gbnf_string(v) for v in sorted(set(values), key=lambda s: (-len(s), s)))


def _gbnf_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
