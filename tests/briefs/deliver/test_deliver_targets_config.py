"""Validating [[NAME.deliver]] tables: every mistake names the file, brief, field and fix."""

from __future__ import annotations

from typing import Any

import pytest
from deliver_receivers import TELEGRAM_TOKEN, WEBHOOK_SECRET

from bot.briefs.targets import parse_target
from bot.errors import BriefDefinitionError

WHERE = "/home/u/.config/briefbot/briefs.toml: [morning] deliver[2]"
ENV = {
    "SLACK_WEBHOOK_URL": "https://hooks.slack.com/services/T0000/B0000/SlackSecretXXXXXXXXXXXX",
    "DISCORD_WEBHOOK_URL": "https://discord.com/api/webhooks/123456/DiscordSecretXXXXXXXXXXXXXXXXXX",
    "TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN,
    "WEBHOOK_SECRET": WEBHOOK_SECRET,
}


def refused(table: dict[str, Any], env: dict[str, str] | None = None) -> BriefDefinitionError:
    with pytest.raises(BriefDefinitionError) as caught:
        parse_target(table, env=ENV if env is None else env, where=WHERE)
    error = caught.value
    assert error.message.startswith(WHERE + ": ") and error.hint and error.exit_code == 61
    for secret in ENV.values():
        assert secret not in str(error)
    return error


def test_valid_tables_give_targets_that_describe_themselves_without_secrets() -> None:
    described = [
        parse_target(t, env=ENV, where=WHERE).describe()
        for t in (
            {"to": "markdown", "path": "~/briefs/{date}-{name}.md"},
            {"to": "slack", "url": "${SLACK_WEBHOOK_URL}"},
            {"to": "discord", "url": "${DISCORD_WEBHOOK_URL}"},
            {"to": "telegram", "token": "${TELEGRAM_BOT_TOKEN}", "chat_id": -1001234567890},
            {"to": "webhook", "url": "https://example.com/hooks/briefs?key=abcdef123", "secret": "${WEBHOOK_SECRET}"},
        )
    ]
    assert described == [
        "markdown ~/briefs/{date}-{name}.md",
        "slack https://hooks.slack.com/…",
        "discord https://discord.com/…",
        "telegram chat -1001234567890",
        "webhook https://example.com/… (signed)",
    ]


@pytest.mark.parametrize(
    ("table", "field", "fix"),
    [
        ({"path": "~/b.md"}, "`to` is missing", 'to = "markdown | webhook'),
        ({"to": "email"}, "'email' is not a delivery kind", "markdown, webhook, slack, discord, telegram"),
        ({"to": "slack", "url": "${SLACK_WEBHOOK_URL}", "channel": "#x"}, "unknown key `channel`", "takes: to, url"),
        ({"to": "markdown"}, "`path` is missing", "add path ="),
        ({"to": "markdown", "path": "briefs/{date}.md"}, "is relative", "absolute path or one starting with ~"),
        ({"to": "markdown", "path": "~/b/{when}.md"}, "uses {when}", "{date}"),
        ({"to": "markdown", "path": "~/b/{date.md"}, "unbalanced braces", "{date}"),
        ({"to": "telegram", "token": "${TELEGRAM_BOT_TOKEN}", "chat_id": "my group"}, "is not a chat id", "@username"),
        ({"to": "telegram", "token": "${TELEGRAM_BOT_TOKEN}"}, "`chat_id` is missing", "chat_id ="),
        ({"to": "webhook", "url": "ftp://example.com/x"}, "is not an http(s) URL", "https://"),
        ({"to": "slack", "url": 42}, "must be a non-empty string", "url ="),
    ],
)
def test_mistakes_name_the_field_and_the_fix(table: dict[str, Any], field: str, fix: str) -> None:
    error = refused(table)
    assert field in error.message
    assert fix in (error.hint or "")


@pytest.mark.parametrize(
    ("table", "what"),
    [
        ({"to": "slack", "url": ENV["SLACK_WEBHOOK_URL"]}, "a Slack webhook URL"),
        ({"to": "discord", "url": ENV["DISCORD_WEBHOOK_URL"]}, "a Discord webhook URL with its token"),
        ({"to": "telegram", "token": TELEGRAM_TOKEN, "chat_id": "1"}, "a Telegram bot token"),
        ({"to": "webhook", "url": "https://x.example/h", "secret": WEBHOOK_SECRET}, "a webhook signing secret"),
        ({"to": "webhook", "url": "https://x.example/h?t=" + TELEGRAM_TOKEN}, "a Telegram bot token"),
    ],
)
def test_a_secret_written_in_the_file_is_refused(table: dict[str, Any], what: str) -> None:
    error = refused(table)
    assert f"contains {what} written into the file" in error.message
    assert "${" in (error.hint or "") and "revoke" in (error.hint or "")


def test_secret_fields_must_be_variables_whatever_their_value() -> None:
    error = refused({"to": "slack", "url": "https://chat.example/in/abc"})
    assert "`url` is written into the file" in error.message and "${SLACK_WEBHOOK_URL}" in (error.hint or "")


def test_a_missing_variable_is_named() -> None:
    error = refused({"to": "telegram", "token": "${TELEGRAM_BOT_TOKEN}", "chat_id": "1"}, env={})
    assert "uses ${TELEGRAM_BOT_TOKEN}, which is not set" in error.message
    assert "set TELEGRAM_BOT_TOKEN" in (error.hint or "")


def test_malformed_secret_values_are_refused_without_showing_them() -> None:
    bad_token = refused({"to": "telegram", "token": "${T}", "chat_id": "1"}, env={"T": "not-a-token-value"})
    assert "does not look like a bot token" in bad_token.message and "not-a-token-value" not in str(bad_token)
    bad_secret = refused({"to": "webhook", "url": "https://x.example/h", "secret": "${S}"}, env={"S": "whsec_%%%%"})
    assert "not a Standard Webhooks secret" in bad_secret.message and "%%%%" not in str(bad_secret)
