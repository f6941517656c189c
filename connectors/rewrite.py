"""URL rewrite rules (``BRIEFBOT_HTTP_REWRITE``): send a connector's upstream somewhere else,
e.g. to a local replay server, by URL prefix."""

from __future__ import annotations

from connectors.errors import ConfigError


def parse_rewrite_rules(text: str | None) -> list[tuple[str, str]]:
    """``FROM=TO,FROM2=TO2`` -> [(from, to)], longest prefix first so the most specific wins."""
    if not text or not text.strip():
        return []
    rules: list[tuple[str, str]] = []
    for chunk in text.split(","):
        chunk = chunk.strip()
        if not chunk:
            continue
        source, sep, target = chunk.partition("=")
        source, target = source.strip(), target.strip()
        if not sep or not source or not target:
            raise ConfigError(
                f"BRIEFBOT_HTTP_REWRITE entry {chunk!r} is not FROM_PREFIX=TO_PREFIX",
                hint="example: BRIEFBOT_HTTP_REWRITE=https://api.open-meteo.com=http://127.0.0.1:8080",
            )
        rules.append((source, target))
    return sorted(rules, key=lambda r: len(r[0]), reverse=True)


def rewrite_url(url: str, rules: list[tuple[str, str]]) -> str:
    for source, target in rules:
        if url.startswith(source):
            return target + url[len(source):]
    return url
