"""The Markdown archive: one file per run, its charts as PNG files beside it.

Every file is written to a temporary name in the same folder and renamed over the target,
so a reader (or a crash) never sees half a brief. Writing the same part again after a crash
rewrites the same file: this destination cannot duplicate anything.
"""

from __future__ import annotations

import glob
import os
import re
import string
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.briefs.deliver.fields import DeliverFields
from bot.briefs.deliver.protocol import Accepted, Attachment, Part, Refused, SendOutcome, destination_key
from bot.briefs.document import BriefDocument
from connectors.http import HttpClient

PLACEHOLDERS = ("date", "time", "name")
PLACEHOLDER_HINT = "placeholders are {date} (2026-12-01), {time} (0700) and {name} (the brief's name), nothing else"
ARCHIVE_MODE = 0o644  # an archive is meant to be read (by a static site, a sync tool)


@dataclass(frozen=True)
class MarkdownTarget:
    template: str  # as written, "~/briefs/{date}-{name}.md"
    kind: str = "markdown"
    pace: float = 0.0

    @classmethod
    def parse(cls, fields: DeliverFields) -> MarkdownTarget:
        fields.check_keys(("path",))
        template = fields.plain("path", example="~/briefs/{date}-{name}.md")
        try:
            fields_used = [(f, spec, conv) for _, f, spec, conv in string.Formatter().parse(template) if f is not None]
        except ValueError as exc:
            raise fields.fail("path", f"has unbalanced braces ({exc})", PLACEHOLDER_HINT) from None
        for name, spec, conversion in fields_used:
            if name not in PLACEHOLDERS or spec or conversion:
                raise fields.fail("path", f"uses {{{name}}}, which is not a placeholder", PLACEHOLDER_HINT)
        if not os.path.isabs(os.path.expanduser(template)):
            raise fields.fail(
                "path", f"is relative ({template!r}): cron, systemd and `brief serve` run from other folders",
                'write an absolute path or one starting with ~, e.g. path = "~/briefs/{date}-{name}.md"',
            )
        if not template.endswith(".md"):
            raise fields.fail("path", f"should name a .md file, not {template!r}", 'end it in .md, e.g. "{date}-{name}.md"')
        return cls(template)

    def describe(self) -> str:
        return f"markdown {self.template}"

    def key(self) -> str:
        return destination_key(self.kind, self.template)

    def secrets(self) -> list[str]:
        return []

    def plan(self, doc: BriefDocument, *, now: datetime) -> list[Part]:
        path = self.path_for(doc, now=now)
        stem = path.name[: -len(".md")]
        links: dict[str, str] = {}
        parts: list[Part] = []
        for chart in doc.charts:
            filename = f"{stem}-{chart.name}.png"
            links[chart.name] = filename
            parts.append(Part(body="", destination=str(path.with_name(filename)), attachment=Attachment(filename, chart.png)))
        # The document last: once it exists, every picture it links to already does.
        parts.append(Part(body=doc.markdown(links), destination=str(path)))
        return parts

    def path_for(self, doc: BriefDocument, *, now: datetime) -> Path:
        try:
            zone = ZoneInfo(doc.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            zone = ZoneInfo("UTC")
        when = (doc.slot_utc or now).astimezone(zone)
        name = re.sub(r"[^\w.-]+", "-", doc.brief)  # a name never adds folders
        text = self.template.format(date=when.strftime("%Y-%m-%d"), time=when.strftime("%H%M"), name=name)
        return Path(os.path.expanduser(text))

    def send(self, part: Part, *, message_id: str, http: HttpClient) -> SendOutcome:
        path = Path(part.destination)
        data = part.attachment.png if part.attachment else part.body.encode("utf-8")
        try:
            write_atomically(path, data)
        except OSError as exc:
            return Refused(f"cannot write {path}: {exc.strerror or exc}; check the folder and its permissions")
        return Accepted(str(path) if part.attachment is None else None)


def write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # A process killed mid-write leaves its temporary file; the next write of the same
    # file removes it (the names are ours: ".<name>.<random>.tmp").
    for stale in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
        stale.unlink(missing_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, ARCHIVE_MODE)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
