"""Grounding one chat turn: decide whether the question needs live data, fetch and pack it,
and afterwards show the program-built sources block and flag unverifiable numbers.

The planner's rules decide first. Only when they find nothing certain and the backend can
call tools does the model plan (one bounded tool loop); the embedded model uses rules only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.app import App
    from bot.grounded import GroundedTurn
    from bot.llm.backend import ChatBackend


@dataclass(frozen=True)
class GroundedAnswerNotes:
    sources_block: str
    unverified_numbers: list[str] = field(default_factory=list)
    sources: list[dict[str, Any]] = field(default_factory=list)


class TurnGrounder:
    def __init__(self, app: App, backend: ChatBackend) -> None:
        self.app = app
        self.backend = backend

    def prepare(self, question: str) -> GroundedTurn | None:
        """The packed data for ``question``, or None when it asks for no data."""
        from bot.grounded import prepare_grounded_turn
        from bot.planner.rules import plan_question

        if not self.app.settings.grounding:
            return None
        plan = plan_question(question)
        tool_client = getattr(self.backend, "client", None) if self.backend.supports_tools else None
        if not plan.steps and (plan.confident or tool_client is None):
            return None
        turn = prepare_grounded_turn(
            question,
            settings=self.app.settings,
            planner=lambda _q: plan,
            tool_client=tool_client,
            cache_dir=self.app.paths.http_cache_dir,
        )
        if not turn.records and not turn.failures:
            return None  # the model, asked with tools, wanted no data
        return turn

    @staticmethod
    def context_for_model(turn: GroundedTurn) -> str:
        """The grounding rules and the fenced data, sent as a system message for this turn only."""
        return f"{turn.system_prompt}\n\n{turn.packed.text}"

    @staticmethod
    def notes(turn: GroundedTurn, answer: str) -> GroundedAnswerNotes:
        from prompts.grounding import check_numbers, sources_block

        return GroundedAnswerNotes(
            sources_block=sources_block(turn.packed, turn.lang),
            unverified_numbers=check_numbers(answer, turn.packed) if answer else [],
            sources=[s.to_json() for s in turn.packed.sources],
        )


def unverified_warning(numbers: list[str], lang: str) -> str:
    shown = ", ".join(numbers)
    if lang == "ko":
        return f"[확인 필요] 답변의 다음 숫자는 가져온 데이터에 없습니다: {shown}"
    return f"[check] these numbers in the answer are not in the fetched data: {shown}"
