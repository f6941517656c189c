"""The program's own short answer, composed from the packed facts.

Shown when the model's answer failed the check twice (free and constrained decoding): the
user then gets the figures themselves, in the question's language, labelled as written by
briefbot rather than dressed up as the model's answer.
"""

from __future__ import annotations

from prompts.packer import PackedContext

_LABEL = {"ko": "briefbot이 데이터로 작성한 답변", "en": "composed by briefbot from the data"}
_AS_OF = {"ko": "{time} 기준", "en": "as of {time}"}


def program_answer(packed: PackedContext, lang: str) -> str:
    """'KRW-BTC: price 162876000 KRW (Upbit, 2025-07-31 02:03 KST 기준). …' plus conversions."""
    lang = lang if lang in _LABEL else "en"
    sentences: list[str] = []
    seen: set[tuple[str, str]] = set()
    for ref in packed.sources:
        if not ref.headline or (ref.subject, ref.headline) in seen:
            continue
        seen.add((ref.subject, ref.headline))
        when = _AS_OF[lang].format(time=ref.as_of_text)
        sentences.append(f"{ref.subject}: {ref.headline} ({ref.source}, {when})")
    sentences.extend(line.split(": ", 1)[-1] if line.startswith("conversion:") else line for line in packed.derived_text)
    for failure in packed.failures:
        sentences.append(f"{failure.describe()}: " + ("데이터 없음" if lang == "ko" else "no data"))
    if not sentences:
        return ""
    return ". ".join(s.rstrip(".") for s in sentences) + f". [{_LABEL[lang]}]"
