"""The one answering service: question → plan → fetch → pack → answer → check → store.

``ask``, ``chat`` (and briefs, and later an MCP server) call :meth:`AnswerService.answer` and
only render what it returns. The order of a turn is fixed here, once:

1. plan, fetch and pack (no data needed: straight to the model);
2. every source failed: the program answers, no model is called;
3. the embedded base model: a few-shot answer checked before it is shown
   (:mod:`bot.embedded_answer`);
4. any other model: the answer streams, and its numbers are checked after;
5. the sources block and the check's findings travel with the result.

The user's message is committed to history before any model call, and every piece of an
answer before it is shown (ChatSession); Ctrl-C cancels the turn, never loses it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.chat.grounding import TurnGrounder, no_data_answer
from bot.chat.session import ChatSession, TurnResult
from bot.embedded_answer import AnswerSource, answer_grounded
from bot.errors import BriefbotError, ConnectorError, LLMError
from bot.llm.events import Reply, StreamEvent, TextDelta

if TYPE_CHECKING:
    from bot.app import App
    from bot.chat.costs import CostGuard, PlanningCalls
    from bot.grounded import GroundedTurn
    from bot.llm.backend import ChatBackend


@dataclass
class Answer:
    """What one question produced; the commands only render it."""

    question: str
    result: TurnResult
    source: AnswerSource  # who wrote the text shown: the model, the model under a grammar, the program
    turn: GroundedTurn | None = None  # None: no data was needed
    sources_block: str | None = None
    unverified_numbers: list[str] = field(default_factory=list)
    sources: list[dict[str, object]] = field(default_factory=list)
    no_data: bool = False  # every source failed; the program said so
    shown_streaming: bool = False  # the text already reached on_event piece by piece

    @property
    def reply(self) -> Reply:
        return self.result.reply

    @property
    def cancelled(self) -> bool:
        return self.result.cancelled

    def failure(self) -> BriefbotError | None:
        """Why this answer counts as failed for an exit code: the model's error, or no data at all.

        A cancelled turn is not a failure here; callers map it to exit 130 themselves.
        """
        if self.result.error is not None:
            return self.result.error
        if self.no_data and self.turn is not None:
            return no_data_error(self.turn)
        return None


class AnswerService:
    def __init__(self, app: App, backend: ChatBackend, session: ChatSession, guard: CostGuard | None) -> None:
        self.app = app
        self.backend = backend
        self.session = session
        self.guard = guard
        self.grounder = TurnGrounder(app, backend, guard)

    def close(self) -> None:
        """Release the connector runtime (HTTP session) this service kept for its questions."""
        self.grounder.close()

    @property
    def planning(self) -> PlanningCalls | None:
        """The last question's tool-planning calls (OpenAI planner), for cost display."""
        return self.grounder.planning

    def answer(self, question: str, *, stream: bool = True, on_event: Callable[[StreamEvent], None] = lambda _e: None,
               on_status: Callable[[str], None] = lambda _s: None, resample: bool = False) -> Answer:
        """Answer ``question``; raises BriefbotError only before the user's message is stored.

        Ctrl-C at any point (fetching, waiting for the model, mid-answer) cancels this turn
        only: the answer comes back with ``cancelled`` set, the question stored once and an
        assistant row holding what was shown. Callers decide what a cancel means (chat goes
        on; ``ask`` exits 130).
        """
        self.grounder.planning = None
        self.session.begin_turn()
        progress = _Progress()
        try:
            return self._answer(question, progress, stream, on_event, on_status, resample)
        except KeyboardInterrupt:
            result = self.session.cancel_turn(question, guard=self.guard, sources=_sources(progress.turn))
            return self._finish(question, result, progress.source, progress.turn)

    def _answer(self, question: str, progress: _Progress, stream: bool, on_event: Callable[[StreamEvent], None],
                on_status: Callable[[str], None], resample: bool) -> Answer:
        on_status("planning")
        try:
            turn = progress.turn = self.grounder.prepare(question)
        except LLMError as exc:
            # The model planning the fetch (a model call like any other) failed before the
            # question was stored: store it now with the failure as its answer, as a failed
            # answer call would be, so it is in history once and /retry asks it again.
            return self._finish(question, self.session.fail_turn(question, exc), "model", None)
        sources = _sources(turn)
        program_text = no_data_answer(turn) if turn is not None else None
        if turn is not None and program_text is not None:
            progress.source = "program"
            result = self.session.answer_from_program(question, program_text, sources=sources)
            on_event(TextDelta(program_text))
            return self._finish(question, result, "program", turn, no_data=True)
        if turn is not None and getattr(self.backend, "is_base_model", False):
            return self._embedded(question, turn, on_event, on_status, resample)
        on_status("answering")
        rules, data = TurnGrounder.context_for_model(turn) if turn is not None else (None, None)
        result = self.session.ask(question, stream=stream, on_event=on_event, guard=self.guard, context=rules,
                                  data=data, sources=sources)
        answer = self._finish(question, result, "model", turn)
        answer.shown_streaming = stream
        return answer

    def _embedded(self, question: str, turn: GroundedTurn, on_event: Callable[[StreamEvent], None],
                  on_status: Callable[[str], None], resample: bool) -> Answer:
        cid = self.session.add_user_message(question)
        persona = self.session.persona_name or ""
        embedded = answer_grounded(self.backend, turn.packed, question, turn.lang,  # type: ignore[arg-type]
                                   terse=persona == "analyst", resample=resample, on_status=on_status)
        backend_name = "program" if embedded.source == "program" else None
        # Committed before it is shown: the text on screen is always in history.
        result = self.session.commit_reply(cid, embedded.reply, guard=self.guard, backend=backend_name,
                                           sources=_sources(turn))
        on_event(TextDelta(embedded.reply.text))
        return self._finish(question, result, embedded.source, turn)

    def _finish(self, question: str, result: TurnResult, source: AnswerSource, turn: GroundedTurn | None,
                *, no_data: bool = False) -> Answer:
        if turn is None:
            return Answer(question, result, source)
        notes = TurnGrounder.notes(turn, result.reply.text if source != "program" else "")
        return Answer(question, result, source, turn, sources_block=notes.sources_block,
                      unverified_numbers=notes.unverified_numbers, sources=notes.sources, no_data=no_data)


@dataclass
class _Progress:
    """How far a turn got, for the Ctrl-C handler: the fetched data, who was answering."""

    turn: GroundedTurn | None = None
    source: AnswerSource = "model"


def _sources(turn: GroundedTurn | None) -> tuple[dict[str, Any], ...]:
    """What history keeps of the data an answer was given (subject, source, as-of, figures)."""
    return tuple(s.to_json() for s in turn.packed.sources) if turn is not None else ()


def no_data_error(turn: GroundedTurn) -> ConnectorError:
    """The first failure's own error class (31 unavailable, 33 not found, ...), as ``fetch`` exits."""
    from connectors import errors

    failure = turn.failures[0]
    cls = getattr(errors, failure.error, None)
    if not (isinstance(cls, type) and issubclass(cls, ConnectorError)):
        cls = errors.SourceUnavailable
    return cls(f"none of the data this question needs could be fetched ({', '.join(f.describe() for f in turn.failures)})")
