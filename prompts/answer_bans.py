"""Phrases the constrained retry may not write, because the data says otherwise.

A grammar settles characters and figures; it cannot forbid a word. Over the fixed question
set the bundled 270M model, already under the grammar, still wrote "내렸습니다" for a price
that rose (its nearest example fell), copied the missing-data example ("데이터를 가져오지 못해")
over data that was all there, promised rain against a 1% chance and repeated the question's
"알려주세요". A Korean phrase is banned with and without its spaces ("가져오지못해"); a
leading space marks a word start.
The retry passes over a token that would complete one of these phrases and
takes the next best the grammar allows (:class:`bot.llm.lazy_grammar.GreedyGrammarFilter`).
The check still judges the result: a ban only removes wrong turns, it never makes an
answer pass.
"""

from __future__ import annotations

from prompts.figure_roles import foreign_currency_words
from prompts.packer import PackedContext
from prompts.verify import RAIN_LIKELY_PCT, RAIN_UNLIKELY_PCT, rain_chances, sky_contradictions, subject_changes

# Word starts, lower case, both languages (a Korean answer may use English words too).
# A leading space marks a word start (" up" is not "support").
# A Korean stem covers its endings (matched letter by letter: "내리" is in 내릴 and 내립니다).
# A word may not even start with "내" or "올" against the data: once the model has written
# that syllable, every ending it wanted is wrong, and what is left is not a word.
_RISE = (" up", " rose", " rise", " rising", " higher", " increase", " gain", " climb",
         " 올", "올라", "오르", "상승", "상향", "증가")
_FALL = (" down", " fell", " fall", " lower", " decrease", " drop", " declin", " lost",
         " 내", "내려", "내리", "하락", "하향", "떨어지", "떨어져", "감소")
_NO_DATA = ("could not get", "cannot answer", "no data", "가져오", "가져와", "데이터를", "답할 수", "데이터 없음")
_ECHO = ("알려", "tell me")
# The data's field names, which the grammar's letters could still spell with a hyphen.
_LABELS = ("previous-close", "previous close:", "change-pct", " vs")
# A small model's filler when it runs out of words: addresses.
_JUNK = ("http", "www", "://")
_RAIN = ("will rain", "rainy", "rain is likely", "비가 오는", "비가 올", "비가 내리", "비가 내려", "비가 와")
_DRY = ("no rain", "won't rain", "will not rain", " dry", "비가 오지 않", "비가 없", "비는 없")


def contradicting_phrases(packed: PackedContext) -> list[str]:
    """The phrases an answer over ``packed`` must not write."""
    banned = [*_ECHO, *_LABELS, *_JUNK]
    changes = list(subject_changes(packed).values())
    if changes and all(c > 0 for c in changes):
        banned += _FALL
    elif changes and all(c < 0 for c in changes):
        banned += _RISE
    elif not changes and packed.sources and all(r.kind.endswith((".quote", ".rate")) for r in packed.sources):
        banned += _RISE + _FALL  # a bare rate says nothing of a move ("up 1 USD")
    if packed.sources and not packed.failures:
        banned += _NO_DATA
    chances = rain_chances(packed)
    if chances and max(chances) < RAIN_UNLIKELY_PCT:
        banned += _RAIN
    elif chances and min(chances) >= RAIN_LIKELY_PCT:
        banned += _DRY
    banned += sky_contradictions(packed)
    banned += [f" {word}" if word.isascii() else word for word in foreign_currency_words(packed)]
    # A Korean phrase is banned with or without its spaces ("가져오지못해").
    return banned + [p.replace(" ", "") for p in banned if " " in p.strip() and not p.isascii()]
