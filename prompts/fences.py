"""Sanitising fetched text and fencing it: the DATA markers text fields cannot forge.

Everything fetched sits inside one DATA fence; ``<`` and ``>`` in fetched text are replaced so
a payload cannot close it, and a new random nonce per pack makes the closing marker unknowable
offline.
"""

from __future__ import annotations

import re
import secrets

# The fence markers; the grounded system prompt names them (with "id" for the nonce).
FENCE_OPEN, FENCE_CLOSE = "<<<DATA {nonce}>>>", "<<<END DATA {nonce}>>>"
MAX_TEXT = 160  # characters kept of any fetched text field
# A new random nonce per pack() call, 16 lower-case letters (75 bits): a payload written
# offline cannot know the closing marker. Letters only: a digit in the context would count as
# a figure the answer may quote (prompts.grounding.check_numbers).
NONCE_LENGTH = 16
NONCE_ALPHABET = "abcdefghijklmnopqrstuvwxyz"


def new_nonce() -> str:
    return "".join(secrets.choice(NONCE_ALPHABET) for _ in range(NONCE_LENGTH))


_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")


# Display names for sources whose own name is long: every block header repeats it.
_SOURCE_LABELS = {"Frankfurter (ECB reference rates)": "Frankfurter (ECB)"}


def source_label(source: str) -> str:
    return clean_text(_SOURCE_LABELS.get(source, source))


def clean_text(text: str, limit: int = MAX_TEXT) -> str:
    """Fetched text made inert: one line, no fence characters, bounded length."""
    t = _CONTROL.sub(" ", str(text)).replace("<", "‹").replace(">", "›").replace("`", "'")
    t = re.sub(r"\s+", " ", t).strip()
    return t if len(t) <= limit else t[: limit - 1] + "…"
