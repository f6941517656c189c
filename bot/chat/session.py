"""A conversation: its messages, its backend, and how one turn is taken and stored.

The order of a turn is what makes it safe to interrupt or fail at any point:

1. the user's message is committed to history before anything is sent;
2. the cost is estimated and checked against the budgets before any call;
3. the answer streams in, each piece written to history *before* it is shown (a draft row,
   see :class:`bot.chat.draft.ReplyDraft`), so even SIGKILL cannot lose text the user saw;
   Ctrl-C or a broken stream keeps the partial text;
4. the assistant message (the draft, finished) and its usage row are committed together.

Ctrl-C anywhere in a turn (fetching, waiting, mid-answer) ends in :meth:`ChatSession.cancel_turn`:
the question is stored once, with an assistant row marked cancelled holding what was shown.

A turn whose data all failed to arrive is answered by the program instead (see
:func:`bot.chat.grounding.no_data_answer`): stored the same way, with no usage row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.chat.draft import ReplyDraft, holding_interrupts
from bot.chat.trimming import trim_to_budget
from bot.errors import LLMError
from bot.llm.backend import ChatBackend, ChatMessage
from bot.llm.events import Reply, StreamEvent, TextDelta
from bot.llm.streaming import complete_reply, stream_reply
from prompts.personas import Persona, system_messages

if TYPE_CHECKING:
    from bot.chat.costs import CostGuard
    from bot.settings import Settings
    from bot.store import HistoryStore

Sources = tuple[dict[str, Any], ...]


# The "model" of a reply briefbot wrote itself (history shows who answered).
PROGRAM_MODEL = "briefbot"


@dataclass
class TurnResult:
    reply: Reply
    error: LLMError | None = None
    cost_usd: float | None = None
    dropped_messages: int = 0
    cancelled: bool = False  # the user stopped the turn (Ctrl-C); reply.text is what was shown


@dataclass
class _OpenTurn:
    """A turn whose question is stored and whose answer is not yet."""

    conversation_id: int
    draft: ReplyDraft


class ChatSession:
    def __init__(
        self,
        backend: ChatBackend,
        settings: Settings,
        store: HistoryStore,
        *,
        persona: Persona | None,
        extra_system: str | None = None,
        conversation_id: int | None = None,
        kind: str = "chat",
    ) -> None:
        self.backend = backend
        self.settings = settings
        self.store = store
        self.persona = persona
        self.kind = kind
        self._base_system = system_messages(persona, None)
        self.conversation_id = conversation_id
        # Messages after the base system prompt: user/assistant turns and /system rules.
        self.turns: list[ChatMessage] = []
        self._unfit: set[int] = set()  # answers a base model must not be shown again (cut, cancelled)
        # The turn in flight: None before its question is stored; its result once committed.
        self._open: _OpenTurn | None = None
        self._committed: TurnResult | None = None
        if conversation_id is not None:
            self._load(conversation_id)  # its stored /system rules come back with it
        elif extra_system:
            self.add_system(extra_system)

    # -- state ---------------------------------------------------------------------------
    def _load(self, conversation_id: int) -> None:
        self.store.conversation(conversation_id)  # raises ConversationNotFoundError
        for m in self.store.messages(conversation_id):
            if m.role in ("user", "assistant", "system") and (m.content or m.role != "assistant"):
                self.turns.append({"role": m.role, "content": m.content})

    def _ensure_conversation(self) -> int:
        if self.conversation_id is None:
            self.conversation_id = self.store.create_conversation(
                model=self.backend.model, persona=self.persona_name
            )
        return self.conversation_id

    def add_system(self, text: str) -> None:
        """A rule that holds from now on (the tutorial's mid-conversation system message)."""
        cid = self._ensure_conversation()
        self.store.add_message(cid, "system", text.strip())
        self.turns.append({"role": "system", "content": text.strip()})

    def set_persona(self, persona: Persona | None) -> None:
        self.persona = persona
        self._base_system = system_messages(persona, None)
        if self.conversation_id is not None:
            self.store.set_persona(self.conversation_id, self.persona_name)

    @property
    def persona_name(self) -> str | None:
        return self.persona.name if self.persona else None

    def reset(self) -> None:
        """Start a fresh conversation; the old one stays in history."""
        self.conversation_id = None
        self.turns = []

    def undo(self) -> int:
        """Forget the last exchange, in memory and in history. Returns messages removed."""
        if self.conversation_id is None:
            return 0
        removed = self.store.delete_last_exchange(self.conversation_id)
        last_user = max((i for i, m in enumerate(self.turns) if m["role"] == "user"), default=None)
        if last_user is not None:
            del self.turns[last_user:]
        return removed

    def last_user_text(self) -> str | None:
        return next((m["content"] for m in reversed(self.turns) if m["role"] == "user"), None)

    def messages_for(self, context: str | None = None, data: str | None = None) -> tuple[list[ChatMessage], int]:
        """What is sent: base system prompt, optional grounding rules, then history trimmed to
        budget, with this turn's fetched ``data`` before the question in the last user message.

        Fetched data travels as data (a user message, as `ask` sends it), never as a system
        message: text from an upstream must not speak with the system's voice. It is sent
        for this turn only; history keeps the question as typed.
        """
        head = list(self._base_system)
        if context:
            head.append({"role": "system", "content": context})
        kept, dropped = trim_to_budget(
            self._history_for_model(), budget=self.settings.history_budget_tokens, count=self.backend.count_text_tokens
        )
        if data and kept and kept[-1]["role"] == "user":
            kept = [*kept[:-1], {"role": "user", "content": f"{data}\n\nQuestion: {kept[-1]['content']}"}]
        if dropped:
            head.append(
                {"role": "system", "content": f"({dropped} earlier messages of this conversation were left out for length.)"}
            )
        return head + kept, dropped

    # A base model (the embedded 270M) copies whatever it is shown: one cut-off or rambling
    # answer in its history makes every later one worse (a leaked data fence, seen after one
    # interrupted answer). It gets only the last exchanges whose answers were complete.
    BASE_MODEL_EXCHANGES = 2

    def _history_for_model(self) -> list[ChatMessage]:
        if not getattr(self.backend, "is_base_model", False):
            return self.turns
        rules = [m for m in self.turns if m["role"] == "system"]  # /system rules hold throughout
        exchanges: list[ChatMessage] = []
        for i in range(len(self.turns) - 1, 0, -1):
            if len(exchanges) >= 2 * self.BASE_MODEL_EXCHANGES:
                break
            answer, question = self.turns[i], self.turns[i - 1]
            if answer["role"] == "assistant" and question["role"] == "user" and id(answer) not in self._unfit:
                exchanges[:0] = [question, answer]
        return rules + exchanges

    # -- a turn --------------------------------------------------------------------------
    def begin_turn(self) -> None:
        """Forget the previous turn's bookkeeping; called once per question (AnswerService)."""
        self._open = None
        self._committed = None

    def add_user_message(self, text: str) -> int:
        """Commit the user's message before anything else happens (step 1 above)."""
        cid = self._ensure_conversation()
        self.store.add_message(cid, "user", text)
        self.turns.append({"role": "user", "content": text})
        self._open = _OpenTurn(cid, ReplyDraft(self.store, cid, self.backend.model))
        return cid

    def ask(
        self,
        text: str,
        *,
        stream: bool = True,
        on_event: Callable[[StreamEvent], None] = lambda e: None,
        context: str | None = None,
        data: str | None = None,
        guard: CostGuard | None = None,
        sources: Sources = (),
    ) -> TurnResult:
        cid = self.add_user_message(text)
        assert self._open is not None
        draft = self._open.draft
        messages, dropped = self.messages_for(context, data)
        max_tokens = self.settings.max_tokens or self.backend.default_max_tokens
        if guard is not None and guard.enabled:
            # Worst case before the call: the whole prompt plus a full-length answer.
            guard.check(guard.estimate(self.backend.count_prompt_tokens(messages), max_tokens))

        def write_then_show(event: StreamEvent) -> None:
            if isinstance(event, TextDelta):
                draft.append(event.text)  # on disk before it is on screen (step 3)
            on_event(event)

        error: LLMError | None = None
        interrupted = False
        try:
            if stream:
                outcome = stream_reply(
                    self.backend, messages, max_tokens=max_tokens, temperature=self.settings.temperature,
                    on_event=write_then_show,
                )
                reply, error, interrupted = outcome.reply, outcome.error, outcome.interrupted
            else:
                reply = complete_reply(self.backend, messages, max_tokens=max_tokens, temperature=self.settings.temperature)
        except LLMError as exc:
            # Failed before any text: the user's message stays, marked by an empty error turn.
            reply = Reply(text="", model=self.backend.model, status="error", finish_reason=None, usage=None, error=str(exc))
            error = exc

        result = self.commit_reply(cid, reply, guard=guard, error=error, sources=sources, cancelled=interrupted)
        result.dropped_messages = dropped
        return result

    def commit_reply(self, cid: int, reply: Reply, *, guard: CostGuard | None, error: LLMError | None = None,
                     backend: str | None = None, sources: Sources = (), cancelled: bool = False) -> TurnResult:
        """Store the assistant message and its usage row together (step 4 above)."""
        cost = None
        if reply.usage is not None and guard is not None:
            cost = guard.estimate(reply.usage.prompt_tokens, reply.usage.completion_tokens)
        self._record(cid, reply, cost, backend=backend, sources=sources, cancelled=cancelled)
        if reply.text:
            # As history holds it (a key the model echoed is masked): what later turns send.
            message: ChatMessage = {"role": "assistant", "content": self.store.scrub(reply.text)}
            self.turns.append(message)
            if reply.status != "complete" or cancelled:
                self._unfit.add(id(message))
        self._open = None
        self._committed = TurnResult(reply=reply, error=error, cost_usd=cost, cancelled=cancelled)
        return self._committed

    def fail_turn(self, text: str, error: LLMError) -> TurnResult:
        """A turn whose model call failed before any answer (the planning call): the question and
        an empty error answer, stored like :meth:`ask` stores a failure before the first token."""
        cid = self.add_user_message(text)
        reply = Reply(text="", model=self.backend.model, status="error", finish_reason=None, usage=None, error=str(error))
        return self.commit_reply(cid, reply, guard=None, error=error)

    def cancel_turn(self, text: str, *, guard: CostGuard | None, sources: Sources = ()) -> TurnResult:
        """Ctrl-C somewhere in the turn for ``text``: store it once, as cancelled, with what was shown.

        Whatever point the interrupt reached: before the question was stored (fetching), after
        it (waiting for the first token), mid-answer, or even after the answer was committed.
        """
        with holding_interrupts():  # a second Ctrl-C must not leave the turn half-written
            if self._committed is not None:
                return self._committed
            if self._open is None:
                self.add_user_message(text)
            assert self._open is not None
            shown = self._open.draft.text
            stopped = Reply(text=shown, model=self.backend.model, status="incomplete", finish_reason=None, usage=None)
            return self.commit_reply(self._open.conversation_id, stopped, guard=guard, sources=sources, cancelled=True)

    def answer_from_program(self, text: str, answer: str, *, sources: Sources = ()) -> TurnResult:
        """A turn the program answers itself (no model call, no cost), stored like any other."""
        cid = self.add_user_message(text)
        reply = Reply(text=answer, model=PROGRAM_MODEL, status="complete", finish_reason="no_data", usage=None)
        result = self.commit_reply(cid, reply, guard=None, backend="program", sources=sources)
        result.cost_usd = 0.0
        return result

    def _record(self, cid: int, reply: Reply, cost: float | None, *, backend: str | None, sources: Sources,
                cancelled: bool) -> None:
        from bot.store import AnswerProvenance, TurnUsage

        usage = None
        if reply.usage is not None:
            usage = TurnUsage(
                prompt_tokens=reply.usage.prompt_tokens,
                completion_tokens=reply.usage.completion_tokens,
                estimated=reply.usage.estimated,
                cost_usd=cost,
            )
        draft = self._open.draft if self._open is not None and self._open.conversation_id == cid else None
        self.store.record_turn(
            cid,
            content=reply.text,
            status=reply.status,
            model=reply.model,
            backend=backend or self.backend.name,
            usage=usage,
            kind=self.kind,
            error=reply.error,
            provenance=AnswerProvenance(persona=self.persona_name, sources=sources, cancelled=cancelled),
            draft_id=draft.message_id if draft is not None else None,
        )
