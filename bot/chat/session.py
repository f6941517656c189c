"""A conversation: its messages, its backend, and how one turn is taken and stored.

The order of a turn is what makes it safe to interrupt or fail at any point:

1. the user's message is committed to history before anything is sent;
2. the cost is estimated and checked against the budgets before any call;
3. the answer streams in; Ctrl-C or a broken stream keeps the partial text;
4. the assistant message and its usage row are committed together (one transaction).

A turn whose data all failed to arrive is answered by the program instead (see
:func:`bot.chat.grounding.no_data_answer`): stored the same way, with no usage row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.chat.trimming import trim_to_budget
from bot.errors import LLMError
from bot.llm.backend import ChatBackend, ChatMessage
from bot.llm.events import Reply, StreamEvent
from bot.llm.streaming import complete_reply, stream_reply
from prompts.personas import Persona, system_messages

if TYPE_CHECKING:
    from bot.chat.costs import CostGuard
    from bot.store import HistoryStore
    from bot.settings import Settings


# The "model" of a reply briefbot wrote itself (history shows who answered).
PROGRAM_MODEL = "briefbot"


@dataclass
class TurnResult:
    reply: Reply
    error: LLMError | None = None
    cost_usd: float | None = None
    dropped_messages: int = 0



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
                model=self.backend.model, persona=self.persona.name if self.persona else None
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

    def messages_for(self, context: str | None = None) -> tuple[list[ChatMessage], int]:
        """What is sent: base system prompt, optional data context, then history trimmed to budget."""
        head = list(self._base_system)
        if context:
            head.append({"role": "system", "content": context})
        kept, dropped = trim_to_budget(
            self.turns, budget=self.settings.history_budget_tokens, count=self.backend.count_text_tokens
        )
        if dropped:
            head.append(
                {"role": "system", "content": f"({dropped} earlier messages of this conversation were left out for length.)"}
            )
        return head + kept, dropped

    # -- a turn --------------------------------------------------------------------------
    def add_user_message(self, text: str) -> int:
        """Commit the user's message before anything else happens (step 1 above)."""
        cid = self._ensure_conversation()
        self.store.add_message(cid, "user", text)
        self.turns.append({"role": "user", "content": text})
        return cid

    def ask(
        self,
        text: str,
        *,
        stream: bool = True,
        on_event: Callable[[StreamEvent], None] = lambda e: None,
        context: str | None = None,
        guard: CostGuard | None = None,
    ) -> TurnResult:
        cid = self.add_user_message(text)
        messages, dropped = self.messages_for(context)
        max_tokens = self.settings.max_tokens or self.backend.default_max_tokens
        if guard is not None and guard.enabled:
            # Worst case before the call: the whole prompt plus a full-length answer.
            guard.check(guard.estimate(self.backend.count_prompt_tokens(messages), max_tokens))

        error: LLMError | None = None
        try:
            if stream:
                outcome = stream_reply(
                    self.backend, messages, max_tokens=max_tokens, temperature=self.settings.temperature, on_event=on_event
                )
                reply, error = outcome.reply, outcome.error
            else:
                reply = complete_reply(self.backend, messages, max_tokens=max_tokens, temperature=self.settings.temperature)
        except LLMError as exc:
            # Failed before any text: the user's message stays, marked by an empty error turn.
            reply = Reply(text="", model=self.backend.model, status="error", finish_reason=None, usage=None, error=str(exc))
            error = exc

        result = self.commit_reply(cid, reply, guard=guard, error=error)
        result.dropped_messages = dropped
        return result

    def commit_reply(self, cid: int, reply: Reply, *, guard: CostGuard | None, error: LLMError | None = None,
                     backend: str | None = None) -> TurnResult:
        """Store the assistant message and its usage row together (step 4 above)."""
        cost = None
        if reply.usage is not None and guard is not None:
            cost = guard.estimate(reply.usage.prompt_tokens, reply.usage.completion_tokens)
        self._record(cid, reply, cost, backend=backend)
        if reply.text:
            self.turns.append({"role": "assistant", "content": reply.text})
        return TurnResult(reply=reply, error=error, cost_usd=cost)

    def answer_from_program(self, text: str, answer: str) -> TurnResult:
        """A turn the program answers itself (no model call, no cost), stored like any other."""
        cid = self.add_user_message(text)
        reply = Reply(text=answer, model=PROGRAM_MODEL, status="complete", finish_reason="no_data", usage=None)
        self.store.record_turn(cid, content=answer, status=reply.status, model=PROGRAM_MODEL, backend="program",
                               usage=None, kind=self.kind)
        self.turns.append({"role": "assistant", "content": answer})
        return TurnResult(reply=reply, cost_usd=0.0)

    def _record(self, cid: int, reply: Reply, cost: float | None, *, backend: str | None = None) -> None:
        from bot.store import TurnUsage

        usage = None
        if reply.usage is not None:
            usage = TurnUsage(
                prompt_tokens=reply.usage.prompt_tokens,
                completion_tokens=reply.usage.completion_tokens,
                estimated=reply.usage.estimated,
                cost_usd=cost,
            )
        self.store.record_turn(
            cid,
            content=reply.text,
            status=reply.status,
            model=reply.model,
            backend=backend or self.backend.name,
            usage=usage,
            kind=self.kind,
            error=reply.error,
        )
