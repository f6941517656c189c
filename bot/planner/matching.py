"""Word matching shared by the planner's rules (see bot.planner.rules for the rules).

Korean words match as substrings (particles attach: 서울의, 부산은), except one-syllable
words (비, 눈, 엔), which must stand alone or before a particle, so 비트코인 is not rain and
엔비디아 is not yen. Latin words match on word boundaries, case-insensitively.
"""

from __future__ import annotations

import re

_HANGUL = re.compile(r"[\uac00-\ud7a3]")
_PARTICLE_AFTER = "은는이가을를의도와과로에만랑"


def _is_korean(word: str) -> bool:
    return bool(_HANGUL.search(word))


def find_word(text: str, lowered: str, word: str) -> int:
    """Position of ``word`` in the question, or -1 (see module docstring for the rules)."""
    w = word.lower()
    if _is_korean(w):
        if len(w) == 1:
            pattern = rf"(?<![\uac00-\ud7a3]){re.escape(w)}(?=$|[^\uac00-\ud7a3]|[{_PARTICLE_AFTER}화가와])"
            m = re.search(pattern, lowered)
            return m.start() if m else -1
        return lowered.find(w)
    if not w[0].isalnum():  # symbols such as $ or €
        return lowered.find(w)
    m = re.search(rf"(?<![a-z0-9]){re.escape(w)}(?![a-z0-9])", lowered)
    return m.start() if m else -1


def any_word(text: str, lowered: str, words: tuple[str, ...]) -> bool:
    return any(find_word(text, lowered, w) >= 0 for w in words)
