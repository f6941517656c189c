"""The interactive chat loop: input, slash commands, streamed display.

Works the same on a terminal and on piped stdin (for scripts): on a terminal it keeps an
input history (readline) and shows a prompt; piped, it reads message by message until EOF.
Nothing that goes wrong in one turn ends the session: not an error, not a line that is not
UTF-8, not Ctrl-C (it cancels the turn in flight, whatever stage it is at).

The exit status tells a script whether every turn was answered: 0 if so, otherwise the exit
code of the first turn that was not (its error's code, 2 for an undecodable line, 130 for a
cancelled turn). Slash-command mistakes are not turns and do not count.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.cli.stdin_text import HINT as UTF8_HINT
from bot.cli.stdin_text import check_encodable, read_line
from bot.errors import EXIT_INTERRUPTED, BriefbotError, UsageError

from bot.answering import Answer, AnswerService

if TYPE_CHECKING:
    from bot.app import App
    from bot.chat.costs import CostGuard
    from bot.chat.session import ChatSession
    from prompts.personas import Persona

HELP = """\
commands:
  /help               this help
  /system TEXT        add a rule that holds for the rest of the conversation
  /persona [NAME]     switch persona (no name: list them; 'none' for no persona)
  /model [NAME]       show the backend and model, or switch model (openai backend)
  /reset              start a new conversation (the old one stays in history)
  /undo               forget the last question and its answer
  /retry              ask the last question again
  /history            show this conversation
  /cost               tokens and cost of this session, and today's spend
  /exit               leave (Ctrl-D works too)
input: end a line with \\ to continue on the next line, or wrap a block in \"\"\" ... \"\"\".
Ctrl-C cancels the turn in flight (the part shown is kept); Ctrl-D exits."""

PROMPT = "you> "
CONTINUATION = "...> "


class BadInputLine(Exception):
    """A line of input that cannot be read (not UTF-8): reported and skipped, never sent."""

    def __init__(self, problem: UsageError) -> None:
        super().__init__(problem.message)
        self.problem = problem


@dataclass
class SessionTotals:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    unknown_cost_turns: int = 0
    estimated: bool = False


class ChatRepl:
    def __init__(
        self,
        app: App,
        session: ChatSession,
        guard: CostGuard,
    ) -> None:
        self.app = app
        self.session = session
        self.guard = guard
        # One service for the whole chat: its grounder (and so its connector runtime) lives
        # as long as the conversation.
        self.service = AnswerService(app, session.backend, session, guard)
        self.totals = SessionTotals()
        self.interactive = app.stdin_is_tty
        self._history_file = app.paths.input_history
        self.first_failure: int | None = None  # the exit code of the first turn not answered
        self._lines_read = 0

    def _failed(self, code: int) -> None:
        if self.first_failure is None:
            self.first_failure = code

    # -- input ---------------------------------------------------------------------------
    def _read_line(self, prompt: str) -> str:
        """One line; BadInputLine for one that is not UTF-8 (the rest of the input still follows)."""
        self._lines_read += 1
        try:
            if self.interactive:
                # A terminal in a C/POSIX locale hands undecodable bytes over as surrogates.
                return check_encodable(input(prompt), "that line")
            line = read_line(self.app.stdin, f"input line {self._lines_read}")
        except UnicodeDecodeError as exc:
            raise BadInputLine(
                UsageError(f"that line is not valid UTF-8 (byte 0x{exc.object[exc.start]:02x})", hint=UTF8_HINT)
            ) from None
        except UsageError as exc:
            raise BadInputLine(exc) from None
        if line is None:
            raise EOFError
        return line

    def messages(self) -> Iterator[str]:
        """Complete user inputs: joins continuation lines and triple-quoted blocks."""
        while True:
            try:
                line = self._read_line(PROMPT)
            except KeyboardInterrupt:
                self.app.err("")  # Ctrl-C at the prompt clears the line; Ctrl-D leaves
                continue
            except EOFError:
                return
            except BadInputLine as exc:
                self._skip(exc)
                continue
            if line.strip() == '"""':
                block, bad = self._read_block()
                if bad is not None:  # the whole block goes: half a message is not the message
                    self._skip(bad)
                    continue
                yield "\n".join(block)
                continue
            parts = [line]
            try:
                while parts[-1].endswith("\\"):
                    parts[-1] = parts[-1][:-1]
                    parts.append(self._read_line(CONTINUATION))
            except EOFError:
                pass
            except BadInputLine as exc:
                self._skip(exc)
                continue
            yield "\n".join(parts)

    def _read_block(self) -> tuple[list[str], BadInputLine | None]:
        """The lines up to the closing \"\"\" (or EOF), and the first one that could not be read."""
        block: list[str] = []
        bad: BadInputLine | None = None
        while True:
            try:
                more = self._read_line(CONTINUATION)
            except EOFError:
                return block, bad
            except BadInputLine as exc:
                bad = bad or exc  # read on to the closing marker, so the block's rest is not sent
                continue
            if more.strip() == '"""':
                return block, bad
            block.append(more)

    def _skip(self, problem: BadInputLine) -> None:
        # Nothing of it is stored or sent: the session goes on with the next line.
        self.app.err(f"error: {problem.problem.message} — skipped, nothing was sent or stored")
        if problem.problem.hint:
            self.app.err(f"  → {problem.problem.hint}")
        self._failed(problem.problem.exit_code)

    def _setup_readline(self) -> None:
        if not self.interactive:
            return
        try:
            import readline
        except ImportError:  # not on every platform; the chat works without it
            return
        try:
            readline.read_history_file(self._history_file)
        except OSError:
            pass
        readline.set_history_length(1000)

    def _remember(self, text: str) -> None:
        if not self.interactive:
            return
        # Appended through the redactor: a key pasted into the chat must not reach disk.
        self._history_file.parent.mkdir(parents=True, exist_ok=True)
        try:
            import readline

            readline.write_history_file(self._history_file)
            content = self._history_file.read_text(encoding="utf-8", errors="replace")
            scrubbed = self.app.scrub(content)
            if scrubbed != content:
                self._history_file.write_text(scrubbed, encoding="utf-8")
            self._history_file.chmod(0o600)
        except (ImportError, OSError):
            pass

    # -- loop ----------------------------------------------------------------------------
    def run(self) -> int:
        self._setup_readline()
        if self.interactive:
            self.app.out(f"briefbot chat · {self.session.backend.describe()}")
            self.app.out("Type a question, /help for commands, Ctrl-D to leave.")
        try:
            for text in self.messages():
                if not text.strip():
                    continue
                self._remember(text)
                try:
                    if text.lstrip().startswith("/"):
                        if self.command(text.strip()) == "exit":
                            break
                        continue
                    self.turn(text.strip())
                except KeyboardInterrupt:
                    # Past the answer (printing its sources): the turn is stored; keep chatting.
                    self.app.err("\n[interrupted]")
        finally:
            self.service.close()  # the connector runtime kept for the whole conversation
        if self.interactive:
            self.app.out("bye")
        return self.first_failure or 0

    def turn(self, text: str, *, resample: bool = False) -> None:
        from bot.chat.grounding import unverified_warning
        from bot.cli.progress import AnswerDisplay

        display = AnswerDisplay(self.app)
        service = self.service
        try:
            try:
                if self.interactive:
                    self.app.out("bot> ", end="", flush=True)
                answer = service.answer(text, on_event=display.on_event, on_status=display.status.update,
                                        resample=resample)
            finally:  # calls made before a refusal were paid for too
                display.finish()
                self._add_planning_costs(service)
        except BriefbotError as exc:  # budget refusals, data failures: say it, keep chatting
            self.app.out("")
            self.app.err(f"error: {exc}")
            self._failed(exc.exit_code)
            return
        self.app.out("")
        reply, result = answer.reply, answer.result
        if answer.cancelled:
            kept = "the part shown is kept" if reply.text else "the question is kept"
            self.app.err(f"[cancelled — {kept} in history; ask the next question]")
            self._failed(EXIT_INTERRUPTED)
            self._count(answer)
            return
        if answer.sources_block is not None and answer.turn is not None:
            self.app.out(answer.sources_block)
            if answer.unverified_numbers:
                self.app.err(unverified_warning(answer.unverified_numbers, answer.turn.lang))
        if result.dropped_messages:
            self.app.err(f"[{result.dropped_messages} older messages were left out to fit the history budget]")
        self._count(answer)
        if result.error is not None:
            kept = " (the partial answer was kept)" if reply.text else ""
            self.app.err(f"error: {result.error}{kept}")
        elif reply.status == "incomplete":
            why = f"finish reason: {reply.finish_reason}" if reply.finish_reason else "it ended early"
            self.app.err(f"[answer incomplete ({why}) — what arrived was kept, marked incomplete]")
        failure = answer.failure()
        if failure is not None:
            self._failed(failure.exit_code)

    def _count(self, answer: Answer) -> None:
        reply, result = answer.reply, answer.result
        if reply.usage is not None:
            self.totals.prompt_tokens += reply.usage.prompt_tokens
            self.totals.completion_tokens += reply.usage.completion_tokens
            self.totals.estimated |= reply.usage.estimated
        if result.cost_usd is None:
            self.totals.unknown_cost_turns += 1
        else:
            self.totals.cost_usd += result.cost_usd

    def _add_planning_costs(self, service: AnswerService) -> None:
        """The tool planner's calls cost like any other: /cost counts them."""
        planning = service.planning
        if planning is None or not planning.calls:
            return
        self.totals.prompt_tokens += planning.prompt_tokens
        self.totals.completion_tokens += planning.completion_tokens
        self.totals.estimated |= planning.estimated
        if planning.cost_usd is None:
            self.totals.unknown_cost_turns += 1
        else:
            self.totals.cost_usd += planning.cost_usd

    # -- commands ------------------------------------------------------------------------
    def command(self, line: str) -> str | None:
        name, _, arg = line[1:].partition(" ")
        arg = arg.strip()
        handler = getattr(self, f"cmd_{name.lower()}", None)
        if handler is None:
            self.app.err(f"unknown command /{name} — /help lists them")
            return None
        try:
            result: str | None = handler(arg)
            return result
        except BriefbotError as exc:
            self.app.err(f"error: {exc}")
            return None

    def cmd_help(self, arg: str) -> None:
        self.app.out(HELP)

    def cmd_exit(self, arg: str) -> str:
        return "exit"

    cmd_quit = cmd_exit

    def cmd_system(self, arg: str) -> None:
        if not arg:
            self.app.err("usage: /system TEXT   e.g. /system 반말로 대답하지 마세요")
            return
        self.session.add_system(arg)
        self.app.out("[rule added; it holds for the rest of this conversation]")

    def cmd_persona(self, arg: str) -> None:
        from prompts.personas import available_personas, load_persona

        if not arg:
            current = self.session.persona.name if self.session.persona else "none"
            self.app.out(f"current persona: {current}")
            for name, known in sorted(available_personas(self.app.paths.personas_dir).items()):
                self.app.out(f"  {name:<15} {known.description}")
            return
        persona: Persona | None = None if arg == "none" else load_persona(arg, self.app.paths.personas_dir)
        self.session.set_persona(persona)
        self.app.out(f"[persona: {arg}]")

    def cmd_model(self, arg: str) -> None:
        backend = self.session.backend
        if not arg:
            self.app.out(backend.describe())
            return
        if backend.name != "openai":
            self.app.err("the embedded backend runs one model file; set BRIEFBOT_LOCAL_MODEL_PATH to use another GGUF")
            return
        backend.model = arg
        self.app.out(f"[model: {arg}]")

    def cmd_reset(self, arg: str) -> None:
        self.session.reset()
        self.app.out("[new conversation]")

    def cmd_undo(self, arg: str) -> None:
        removed = self.session.undo()
        self.app.out(f"[removed {removed} message(s)]" if removed else "[nothing to undo]")

    def cmd_retry(self, arg: str) -> None:
        last = self.session.last_user_text()
        if last is None:
            self.app.err("nothing to retry yet")
            return
        self.session.undo()
        self.turn(last, resample=True)  # a new answer, not the greedy one again

    def cmd_history(self, arg: str) -> None:
        if not self.session.turns:
            self.app.out("[this conversation is empty]")
            return
        for m in self.session.turns:
            self.app.out(f"{m['role']}: {m['content']}")

    def cmd_cost(self, arg: str) -> None:
        from bot.pricing import format_usd

        t = self.totals
        approx = "~" if t.estimated else ""
        self.app.out(
            f"this session: {approx}{t.prompt_tokens} prompt + {approx}{t.completion_tokens} completion tokens, "
            f"{format_usd(t.cost_usd)}" + (f" (+{t.unknown_cost_turns} turn(s) of unknown cost)" if t.unknown_cost_turns else "")
        )
        self.app.out(f"today: {format_usd(self.guard.spent_today())} (known costs)")
