"""Grounding one chat turn: decide whether the question needs live data, fetch and pack it,
and afterwards show the program-built sources block and flag unverifiable numbers.

The planner's rules decide first. Only when they find nothing certain and the backend can
call tools does the model plan (one bounded tool loop); the embedded model uses rules only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.chat.costs import PlanningCalls
from bot.grounded import ConnectorFetcher, prepare_grounded_turn
from bot.planner.rules import plan_question

if TYPE_CHECKING:
    from bot.app import App
    from bot.chat.costs import CostGuard
    from bot.grounded import GroundedTurn
    from bot.llm.backend import ChatBackend


@dataclass(frozen=True)
class GroundedAnswerNotes:
    sources_block: str
    unverified_numbers: list[str] = field(default_factory=list)
    sources: list[dict[str, Any]] = field(default_factory=list)


class TurnGrounder:
    def __init__(self, app: App, backend: ChatBackend, guard: CostGuard | None = None) -> None:
        self.app = app
        self.backend = backend
        self.guard = guard
        self.planning: PlanningCalls | None = None  # the last turn's tool-planning calls, if any
        # One fetcher (one connector runtime: HTTP session, rate limiters, registry) for every
        # turn of this conversation; plugin connectors' keys come from the app's environment.
        self.fetcher = ConnectorFetcher(app.settings, cache_dir=app.paths.http_cache_dir, env=app.env, redactor=app.redactor)

    def close(self) -> None:
        self.fetcher.close()

    def prepare(self, question: str) -> GroundedTurn | None:
        """The packed data for ``question``, or None when it asks for no data."""
        if not self.app.settings.grounding:
            return None
        # "어제", "next week" are read in the user's zone when one is set (else Seoul for
        # Korean questions, UTC otherwise).
        plan = plan_question(question, zone=self.app.settings.timezone)
        tool_client = getattr(self.backend, "client", None) if self.backend.supports_tools else None
        if not plan.steps and (plan.confident or tool_client is None):
            return None
        self.planning = PlanningCalls(self.guard) if self.guard is not None and tool_client is not None else None
        turn = prepare_grounded_turn(
            question,
            settings=self.app.settings,
            planner=lambda _q: plan,
            tool_client=tool_client,
            tool_account=self.planning,
            max_tokens_field=getattr(self.backend, "max_tokens_field", "max_tokens"),
            fetcher=self.fetcher,
            env=self.app.env,
        )
        if not turn.records and not turn.failures:
            return None  # the model, asked with tools, wanted no data
        return turn

    @staticmethod
    def context_for_model(turn: GroundedTurn) -> tuple[str, str]:
        """(rules, data) for this turn only: the grounding rules go in a system message, the
        fenced data before the question in the user message (see ChatSession.messages_for)."""
        return turn.system_prompt, turn.packed.text

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


def no_data_answer(turn: GroundedTurn) -> str | None:
    """The program's own answer when every source the question needs failed, else None.

    With no data there is nothing to ground an answer on: a model could only restate the
    failure or, worse, guess (the embedded base model does). So no model is called; the
    sources block that follows gives each failure's reason."""
    if turn.records or not turn.failures:
        return None
    asked = ", ".join(f.describe() for f in turn.failures)
    if turn.lang == "ko":
        return f"이 질문에 필요한 데이터를 가져오지 못해 답할 수 없습니다 ({asked}). 추측해서 답하지 않습니다. 이유는 아래 출처에 있습니다."
    return f"I could not get the data this question needs ({asked}), so I cannot answer it and will not guess. The sources below say why."
