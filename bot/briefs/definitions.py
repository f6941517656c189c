"""briefs.toml → validated :class:`BriefDefinition` objects, before anything runs.

One table per brief (see ``examples/briefs.toml``). Every mistake is a
:class:`~bot.errors.BriefDefinitionError` naming the file, the brief, the field and the fix;
all briefs are checked, so ``briefbot brief check`` and the first line of ``serve`` fail the
same way. Delivery tables are validated by the delivery side's ``parse_target`` (injected, so
tests can pass their own).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from bot.briefs.schedule import BriefSchedule, ScheduleError
from bot.briefs.sources import BriefSource, SourceProblem, parse_source
from bot.errors import BriefDefinitionError, BriefNotFoundError

if TYPE_CHECKING:
    from bot.briefs.targets import DeliveryTarget
    from connectors.registry import ConnectorRegistry

TargetParser = Callable[..., "DeliveryTarget"]  # parse_target(table, *, env=..., where=...)

KEYS = ("schedule", "timezone", "sources", "language", "template", "prompt", "summary", "catch_up", "max_lateness", "deliver")
REQUIRED = ("schedule", "timezone", "sources")
LANGUAGES = ("ko", "en")
SUMMARIES = ("model", "none")
CATCH_UP = ("latest", "skip")
DEFAULT_TEMPLATE = "daily"
DEFAULT_MAX_LATENESS = timedelta(hours=1)
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
_DURATION = re.compile(r"^(?:(\d+)h)?\s*(?:(\d+)m)?$")


@dataclass(frozen=True)
class BriefDefinition:
    name: str
    schedule: BriefSchedule
    sources: tuple[BriefSource, ...]
    language: Literal["ko", "en"]
    instructions: str  # the template's text or the inline prompt
    template: str | None  # template name, None for an inline prompt
    summary: Literal["model", "none"]
    catch_up: Literal["latest", "skip"]
    max_lateness: timedelta
    targets: tuple[DeliveryTarget, ...]
    file: Path


@dataclass(frozen=True)
class BriefBook:
    """Every brief of one file, in file order."""

    file: Path
    briefs: dict[str, BriefDefinition]

    def get(self, name: str) -> BriefDefinition:
        try:
            return self.briefs[name]
        except KeyError:
            known = ", ".join(self.briefs) or "none"
            raise BriefNotFoundError(
                f"no brief named {name!r} in {self.file}", hint=f"defined: {known} (`briefbot brief list`)"
            ) from None


def briefs_file(env: Mapping[str, str], default: Path, flag: str | None) -> Path:
    """``--file``, else ``BRIEFBOT_BRIEFS_FILE``, else ``default`` (briefs.toml in the config dir)."""
    if flag:
        return Path(flag).expanduser()
    if env.get("BRIEFBOT_BRIEFS_FILE"):
        return Path(env["BRIEFBOT_BRIEFS_FILE"]).expanduser()
    return default


def parse_duration(text: str) -> timedelta:
    """"90m", "2h", "1h30m" → timedelta; anything else raises ValueError."""
    match = _DURATION.match(text.strip())
    if not text.strip() or match is None:
        raise ValueError(text)
    hours, minutes = (int(g) if g else 0 for g in match.groups())
    if hours == 0 and minutes == 0:
        raise ValueError(text)
    return timedelta(hours=hours, minutes=minutes)


def load_briefs(
    path: Path,
    *,
    env: Mapping[str, str],
    template_dirs: Sequence[Path] = (),
    parse_target: TargetParser | None = None,
    registry: ConnectorRegistry | None = None,
) -> BriefBook:
    if not path.is_file():
        raise BriefDefinitionError(
            f"{path}: no such file",
            hint="copy examples/briefs.toml there and edit it, or name another file with --file or BRIEFBOT_BRIEFS_FILE",
        )
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise BriefDefinitionError(f"{path}: cannot read it ({exc})", hint="check the file's permissions and save it as UTF-8") from exc
    except tomllib.TOMLDecodeError as exc:
        raise BriefDefinitionError(f"{path}: not valid TOML ({exc})", hint="fix the line named; every brief is a [name] table") from None
    if not data:
        raise BriefDefinitionError(f"{path}: defines no brief", hint="add a [name] table, as in examples/briefs.toml")
    if registry is None:
        from connectors.registry import ConnectorRegistry

        registry = ConnectorRegistry.default()
    loader = _Loader(path, env, list(template_dirs), parse_target, registry)
    return BriefBook(file=path, briefs={name: loader.brief(name, table) for name, table in data.items()})


def _default_target_parser() -> TargetParser:
    from bot.briefs.targets import parse_target  # the delivery side; imported only when used

    return parse_target


@dataclass
class _Loader:
    path: Path
    env: Mapping[str, str]
    template_dirs: list[Path]
    parse_target: TargetParser | None
    registry: ConnectorRegistry

    def fail(self, brief: str, field: str | None, problem: str, hint: str) -> BriefDefinitionError:
        where = f"{self.path}: [{brief}]" + (f" {field}" if field else "")
        return BriefDefinitionError(f"{where}: {problem}", hint=hint)

    def brief(self, name: str, table: Any) -> BriefDefinition:
        if not isinstance(table, dict):
            raise self.fail(name, None, "is a value, not a table", f"write it as a table: [{name}] then schedule = ..., timezone = ...")
        if not _NAME.match(name):
            raise self.fail(name, None, "is not a usable brief name", "use letters, digits, '-' and '_' (it names files and run keys)")
        unknown = [k for k in table if k not in KEYS]
        if unknown:
            raise self.fail(name, unknown[0], "is not a brief setting", "valid settings: " + ", ".join(KEYS))
        for key in REQUIRED:
            if key not in table:
                raise self.fail(name, key, "is missing", 'every brief needs schedule = "0 7 * * 1-5", timezone = "Asia/Seoul" and sources = [...]')
        schedule = self.schedule(name, table)
        instructions, template = self.instructions(name, table)
        return BriefDefinition(
            name=name,
            schedule=schedule,
            sources=self.sources(name, table["sources"]),
            language=self.choice(name, table, "language", LANGUAGES, "en"),  # type: ignore[arg-type]
            instructions=instructions,
            template=template,
            summary=self.choice(name, table, "summary", SUMMARIES, "model"),  # type: ignore[arg-type]
            catch_up=self.choice(name, table, "catch_up", CATCH_UP, "latest"),  # type: ignore[arg-type]
            max_lateness=self.lateness(name, table),
            targets=self.targets(name, table.get("deliver", [])),
            file=self.path,
        )

    def text(self, name: str, table: Mapping[str, Any], key: str) -> str:
        value = table[key]
        if not isinstance(value, str) or not value.strip():
            raise self.fail(name, key, f"must be a non-empty string, not {value!r}", f'e.g. {key} = "..." (quoted)')
        return value.strip()

    def schedule(self, name: str, table: Mapping[str, Any]) -> BriefSchedule:
        cron, zone = self.text(name, table, "schedule"), self.text(name, table, "timezone")
        try:
            return BriefSchedule.parse(cron, zone)
        except ScheduleError as exc:
            field = "timezone" if "zone" in str(exc) else "schedule"
            hint = ('use an IANA name such as "Asia/Seoul", "Europe/Berlin" or "UTC"' if field == "timezone"
                    else 'five fields: minute hour day-of-month month day-of-week, e.g. "0 7 * * 1-5" (07:00 Mon-Fri)')
            raise self.fail(name, field, str(exc), hint) from None

    def sources(self, name: str, value: Any) -> tuple[BriefSource, ...]:
        if not isinstance(value, list) or not value:
            raise self.fail(name, "sources", "must be a non-empty list of strings", 'e.g. sources = ["weather place=Seoul", "fx base=USD symbols=KRW"]')
        out: list[BriefSource] = []
        for index, item in enumerate(value):
            field = f"sources[{index}]"
            if not isinstance(item, str):
                raise self.fail(name, field, f"must be a string, not {item!r}", 'e.g. "crypto market=KRW-BTC days=30"')
            try:
                out.append(parse_source(item, self.registry))
            except SourceProblem as exc:
                raise self.fail(name, field, f"{item!r}: {exc.message}", exc.hint or "`briefbot connectors list` names the connectors") from None
        return tuple(out)

    def choice(self, name: str, table: Mapping[str, Any], key: str, allowed: Sequence[str], default: str) -> str:
        if key not in table:
            return default
        value = table[key]
        if value not in allowed:
            raise self.fail(name, key, f"{value!r} is not one of {', '.join(allowed)}", f'write {key} = "{default}" or one of the others')
        return str(value)

    def lateness(self, name: str, table: Mapping[str, Any]) -> timedelta:
        if "max_lateness" not in table:
            return DEFAULT_MAX_LATENESS
        value = table["max_lateness"]
        try:
            return parse_duration(value) if isinstance(value, str) else parse_duration("")
        except ValueError:
            raise self.fail(name, "max_lateness", f"{value!r} is not a duration", 'hours and/or minutes, quoted: "90m", "2h", "1h30m"') from None

    def instructions(self, name: str, table: Mapping[str, Any]) -> tuple[str, str | None]:
        if "prompt" in table and "template" in table:
            raise self.fail(name, "prompt", "and template are both set", "keep one: template names prompts/briefs/NAME.md, prompt is the text itself")
        if "prompt" in table:
            return self.text(name, table, "prompt"), None
        template = self.text(name, table, "template") if "template" in table else DEFAULT_TEMPLATE
        text = find_template(template, self.template_dirs)
        if text is None:
            places = [str(d / f"{template}.md") for d in self.template_dirs] + [f"prompts/briefs/{template}.md (built in)"]
            raise self.fail(name, "template", f"no template named {template!r}", "create one of: " + ", ".join(places) + ', or write prompt = "..." instead')
        return text, template

    def targets(self, name: str, value: Any) -> tuple[DeliveryTarget, ...]:
        if not isinstance(value, list) or not all(isinstance(t, dict) for t in value):
            raise self.fail(name, "deliver", "must be [[" + name + ".deliver]] tables", f'write [[{name}.deliver]] then to = "markdown" and its settings')
        if not value:
            return ()
        parse_target = self.parse_target or _default_target_parser()
        return tuple(
            parse_target(table, env=self.env, where=f"{self.path}: [{name}] deliver[{index}]")
            for index, table in enumerate(value)
        )


def find_template(name: str, template_dirs: Sequence[Path]) -> str | None:
    """A user's template (in ``template_dirs``) wins over the built-in one of the same name."""
    if not re.match(r"^[A-Za-z0-9_-]+$", name):
        return None
    for folder in template_dirs:
        candidate = folder / f"{name}.md"
        if candidate.is_file():
            return candidate.read_text(encoding="utf-8")
    built_in = resources.files("prompts").joinpath("briefs", f"{name}.md")
    return built_in.read_text(encoding="utf-8") if built_in.is_file() else None
