"""The grammar of the constrained retry: what an answer over this data may write.

A base model that failed the check once gets one more try under a llama.cpp GBNF grammar
built from the data, so the failures the check saw most on the bundled 270M model cannot
happen again:

* every number it writes is one of the data's quantities (dates and clock times left out:
  the program cites the as-of time itself, and a grammar that offered them let the model
  glue a date onto a figure, "-1.2025-03-14"), and a number is never followed by a digit;
* the figures the question asks for (each subject's headline figure, or each conversion's
  result, as :func:`prompts.verify.asked_figures` defines them) come first, in the data's
  order, after at most a short lead-in, so an answer cannot leave them out or open with
  the previous close instead of the price;
* no markup (tags, asterisks), and an English answer has no Hangul.

The words stay the model's own. The check still runs afterwards (direction, currency,
language of a Korean answer), so a grammar that lets something through is caught.
"""

from __future__ import annotations

from prompts.fewshot import condense
from prompts.grounding import extract_numbers
from prompts.packer import PackedContext
from prompts.verify import stated_part

# Characters before the first asked figure: enough for "서울은 지금 " or "The USD/KRW rate is ",
# too few to wander off. (The lead is counted in characters, which the grammar sees.)
LEAD_MAX_CHARS = 48


def allowed_numbers(packed_text: str) -> list[str]:
    """Every quantity as the condensed context writes it, longest first.

    The number check's own reading (:func:`prompts.grounding.extract_numbers`), so dates,
    clock times and identifiers ("005930" of 005930.KS) are not quantities here either.
    """
    found: set[str] = set()
    for n in extract_numbers(condense(packed_text)):
        found.update({n.text, n.text.lstrip("+")})
    return sorted(found, key=lambda s: (-len(s), s))


def required_figures(packed: PackedContext) -> list[list[str]]:
    """For each figure the answer must state, the ways the data writes it (in the data's order).

    A conversion answers its question with its result; otherwise each subject's headline.
    """
    conversions = [line.split("=", 1)[1] for line in packed.derived_text if line.startswith("conversion:") and "=" in line]
    if conversions:
        wanted = [_figure(result) for result in conversions]
    else:
        by_subject: dict[str, list[str]] = {}
        for ref in packed.sources:
            by_subject.setdefault(ref.subject, []).extend(_figure(stated_part(ref.headline)))
        wanted = list(by_subject.values())
    return [_unique(texts) for texts in wanted if texts]


def _figure(text: str) -> list[str]:
    """The first figure of ``text`` and its 만/억 reading if written beside it ("14만 5,364")."""
    numbers = extract_numbers(text)
    if not numbers:
        return []
    readings = [n.text for n in numbers[1:2] if any(unit in n.text for unit in "만억조")]
    return [numbers[0].text, *readings]


def answer_grammar(packed: PackedContext, lang: str) -> str:
    """The GBNF grammar for one constrained answer line over ``packed``."""
    required = required_figures(packed)
    numbers = allowed_numbers(packed.text) + [text for texts in required for text in texts] or ["0"]
    # No digits outside the numbers, no markup (a small model fills a gap with <strong> tags),
    # and no Hangul in an English answer.
    text_class = "[^0-9\\n<>*_#`]" if lang == "ko" else "[^0-9\\n<>*_#`\\uac00-\\ud7a3]"
    rules = [
        f'root ::= " " lead {" gap ".join(f"fig{i}" for i in range(len(required)))} rest "\\n"'
        if required else 'root ::= " " rest "\\n"',
        f"lead ::= text{{0,{LEAD_MAX_CHARS}}}",
        "gap ::= piece*",
        "rest ::= piece*",
        "piece ::= text | number text",
        f"text ::= {text_class}",
        f"number ::= {_alternatives(numbers)}",
    ]
    # A required figure is a whole number: the next character is not a digit.
    rules += [f"fig{i} ::= ({_alternatives(texts)}) text" for i, texts in enumerate(required)]
    return "\n".join(rules)


def _alternatives(values: list[str]) -> str:
    return " | ".join(_gbnf_string(v) for v in sorted(set(values), key=lambda s: (-len(s), s)))


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _gbnf_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
