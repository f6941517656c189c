"""Text from a data source, made safe to quote: the one place upstream text is cleaned.

Every string field of every record (built-in or third-party) passes through
:func:`clean_upstream_text` when the record is built (see :mod:`connectors.records`), so
nothing downstream — the packer's data fence, the sources block, the terminal — sees what
an upstream can smuggle in a field such as Yahoo's ``meta.currency``:

* control characters (C0, DEL, C1), line and paragraph separators and bidi overrides become
  one space: a newline would let a payload start its own ``SYSTEM:`` line at column 0, an
  ESC would drive the user's terminal;
* a run of two or more ``<`` or ``>`` (or their look-alikes: fullwidth, guillemets, angle
  brackets) becomes a single ``<``/``>``, so no field can write a ``<<<END DATA …>>>`` fence
  marker;
* a field longer than :data:`MAX_FIELD_CHARS` is cut (with ``…``): no legitimate name,
  unit or note is that long, and the context budget is shared.
"""

from __future__ import annotations

import re

MAX_FIELD_CHARS = 500

_LT = "<\uff1c\ufe64\u2039\u00ab\u3008\u300a\u27e8\u276e\u276c\u27ea\u2329"
_GT = ">\uff1e\ufe65\u203a\u00bb\u3009\u300b\u27e9\u276f\u276d\u27eb\u232a"
_FENCE_LT = re.compile(f"[{_LT}]{{2,}}|\u226a|\u22d8")  # ≪ and ⋘ are doubles on their own
_FENCE_GT = re.compile(f"[{_GT}]{{2,}}|\u226b|\u22d9")
# C0 and C1 controls, DEL, line/paragraph separators, bidi embeddings/overrides/isolates.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]+")
_SPACES = re.compile(r" {2,}")


def clean_upstream_text(text: str) -> str:
    """``text`` with no control characters, no fence look-alikes, and a bounded length."""
    cleaned = _CONTROLS.sub(" ", text)
    cleaned = _FENCE_LT.sub("<", cleaned)
    cleaned = _FENCE_GT.sub(">", cleaned)
    if cleaned != text:
        cleaned = _SPACES.sub(" ", cleaned).strip()
    if len(cleaned) > MAX_FIELD_CHARS:
        cleaned = cleaned[: MAX_FIELD_CHARS - 1] + "…"
    return cleaned
