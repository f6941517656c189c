"""What one brief run produced, independent of where it is delivered.

The runner builds a :class:`BriefDocument`; each delivery target renders it its own way
(Markdown archive, Slack blocks, Discord/Telegram text with attachments, webhook JSON).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Chart:
    """A PNG chart of one series source."""

    name: str  # file-safe stem, unique within the document, e.g. "krw-btc-30d"
    title: str  # shown under the picture / as its alt text
    png: bytes = field(repr=False)


@dataclass(frozen=True)
class BriefDocument:
    brief: str  # the brief's name
    run_key: str  # stable across re-runs of one slot: "morning/2026-11-30T22:00Z", or "morning/manual/<utc>"
    title: str  # "morning · 2026-11-30 07:00 KST"
    language: str  # "ko" | "en"
    slot_utc: datetime | None  # None for a manual run
    summary: str | None  # the model's summary; None when summary = "none" or no model answer
    figures: str  # program-built figures per source (plain text, one block per source)
    missing: list[str] = field(default_factory=list)  # one line per source that failed
    charts: list[Chart] = field(default_factory=list)
    sparklines: list[str] = field(default_factory=list)  # "KRW-BTC 30d ▁▂▃▅▇ 162,876,000 KRW"
    timezone: str = "UTC"  # the brief's IANA zone: {date} and {time} in archive paths are local to it

    def markdown(self, chart_links: dict[str, str] | None = None) -> str:
        """The whole brief as Markdown; charts linked by ``chart_links[name]`` when given."""
        parts = [f"# {self.title}"]
        if self.summary:
            parts.append(self.summary.strip())
        parts.append("## " + ("수치" if self.language == "ko" else "Figures"))
        parts.append("```\n" + self.figures.strip() + "\n```")
        if self.sparklines:
            parts.append("\n".join(f"- `{line}`" for line in self.sparklines))
        for chart in self.charts:
            link = (chart_links or {}).get(chart.name)
            if link:
                parts.append(f"![{chart.title}]({link})")
        if self.missing:
            parts.append("## " + ("가져오지 못한 데이터" if self.language == "ko" else "Missing data"))
            parts.append("\n".join(f"- {line}" for line in self.missing))
        return "\n\n".join(parts) + "\n"

    def plain_text(self) -> str:
        """The brief as plain text for chat targets: paragraphs separated by blank lines."""
        parts = [self.title]
        if self.summary:
            parts.append(self.summary.strip())
        parts.append(self.figures.strip())
        if self.sparklines:
            parts.append("\n".join(self.sparklines))
        if self.missing:
            head = "가져오지 못한 데이터:" if self.language == "ko" else "Missing data:"
            parts.append("\n".join([head, *(f"- {line}" for line in self.missing)]))
        return "\n\n".join(parts)
