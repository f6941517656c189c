"""Keeping a conversation within a token budget without losing its rules.

System messages (rules the user added with /system) are always kept; of the user and
assistant turns, the newest that fit are kept. The caller announces how many were left out.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.llm.backend import ChatMessage

# Per-message framing the chat formats add (role markers, separators).
MESSAGE_OVERHEAD = 4


def trim_to_budget(
    turns: list[ChatMessage], *, budget: int, count: Callable[[str], int]
) -> tuple[list[ChatMessage], int]:
    # A token is at least one UTF-8 byte, so a conversation whose bytes fit the budget fits
    # in tokens too: no tokenizer needed (building o200k costs ~45 MB and 0.3 s).
    upper_bound = sum(len(str(m.get("content") or "").encode()) + MESSAGE_OVERHEAD for m in turns)
    if upper_bound <= budget:
        return list(turns), 0
    cost = [count(str(m.get("content") or "")) + MESSAGE_OVERHEAD for m in turns]
    used = sum(c for m, c in zip(turns, cost) if m["role"] == "system")
    keep = [m["role"] == "system" for m in turns]
    # The newest message (the question being asked) is always kept, whatever it costs.
    for i in range(len(turns) - 1, -1, -1):
        if keep[i]:
            continue
        if used + cost[i] > budget and i != len(turns) - 1:
            break
        keep[i] = True
        used += cost[i]
    kept = [m for m, k in zip(turns, keep) if k]
    return kept, len(turns) - len(kept)
