"""Deliveries to real HTTP receivers speaking Slack, Discord, Telegram and Standard Webhooks,
failing the first attempts the way those services do."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from deliver_receivers import (
    DISCORD_PATH, SLACK_PATH, TELEGRAM_TOKEN, Receivers, discord_rate_limit, plain, slack_fault, telegram_error,
)
from deliver_support import SECRETS, RecordedSleep, long_document, make_http, target_tables

from bot.briefs.targets import DeliveryTarget, deliver_all, delivery_reports, parse_target

WHERE = "/cfg/briefs.toml: [morning] deliver[{}]"


def all_targets(receivers: Receivers, archive: Path) -> list[DeliveryTarget]:
    env, tables = target_tables(receivers.url, archive)
    return [parse_target(t, env=env, where=WHERE.format(i + 1)) for i, t in enumerate(tables)]


def test_every_part_is_accepted_exactly_once_through_503s_and_429s(
    receivers: Receivers, recorded_sleep: RecordedSleep, tmp_path: Path
) -> None:
    receivers.fail(SLACK_PATH, slack_fault(503, "service_unavailable"), slack_fault(429, "rate_limited", "2"))
    receivers.fail(DISCORD_PATH, plain(503, "upstream connect error"), discord_rate_limit(1.5))
    receivers.fail(f"/bot{TELEGRAM_TOKEN}/sendMessage",
                   telegram_error(429, "Too Many Requests: retry after 3", retry_after=3))
    receivers.fail("/hooks/", plain(503), plain(502))
    doc = long_document()
    db = tmp_path / "briefbot.db"

    reports = deliver_all(doc, all_targets(receivers, tmp_path / "archive"), db_path=db,
                          http=make_http(receivers), sleep=recorded_sleep)

    assert [(r.kind, r.status) for r in reports] == [
        ("markdown", "delivered"), ("slack", "delivered"), ("discord", "delivered"),
        ("telegram", "delivered"), ("webhook", "delivered"),
    ]
    # The waits the services asked for were honoured exactly: Slack's Retry-After: 2,
    # Discord's JSON retry_after 1.5 (not its rounded header), Telegram's parameters.retry_after 3.
    assert 2.0 in recorded_sleep.waits and 1.5 in recorded_sleep.waits and 3.0 in recorded_sleep.waits
    discord = receivers.of("discord")
    text_parts = [a for a in discord if not a.files]
    assert len(text_parts) >= 2, "the document is long enough to need several Discord messages"
    assert all(len(a.text) <= 2000 for a in discord)
    assert [a.text.split("\n", 1)[0] for a in text_parts] == [f"({i}/{len(text_parts)})" for i in range(1, len(text_parts) + 1)]
    assert [a.files for a in discord if a.files] == [[("krw-btc-30d.png", len(doc.charts[0].png))]]
    for service in ("slack", "discord", "telegram", "webhook"):
        keys = [a.request_key for a in receivers.of(service)]
        assert len(keys) == len(set(keys)), f"{service} accepted a part twice"
    by_kind = {r.kind: r for r in reports}
    assert by_kind["discord"].parts == len(discord) and len(by_kind["discord"].message_ids) == len(discord)
    assert by_kind["telegram"].parts == len(receivers.of("telegram")) == len(set(by_kind["telegram"].message_ids))
    assert by_kind["slack"].attempts == 3 and by_kind["slack"].message_ids == []
    assert by_kind["webhook"].attempts == 3 and receivers.duplicates == [] and receivers.bad_signatures == 0
    assert by_kind["webhook"].message_ids == [receivers.of("webhook")[0].request_key]
    assert delivery_reports(db, doc.run_key) == reports


def test_a_rerun_of_the_same_run_sends_nothing_new(receivers: Receivers, tmp_path: Path) -> None:
    doc = long_document()
    db = tmp_path / "briefbot.db"
    targets = all_targets(receivers, tmp_path / "archive")
    first = deliver_all(doc, targets, db_path=db, http=make_http(receivers), sleep=RecordedSleep())
    sent = len(receivers.requests)

    again = deliver_all(doc, targets, db_path=db, http=make_http(receivers), sleep=RecordedSleep())

    assert len(receivers.requests) == sent
    assert again == first and all(r.status == "delivered" for r in again)


def test_a_permanent_refusal_is_recorded_and_never_blocks_the_others(receivers: Receivers, tmp_path: Path) -> None:
    receivers.fail(SLACK_PATH, slack_fault(404, "no_service"))
    receivers.fail("/hooks/", plain(410, "gone"))
    doc = long_document(2)
    db = tmp_path / "briefbot.db"
    sleep = RecordedSleep()

    reports = {r.kind: r for r in deliver_all(doc, all_targets(receivers, tmp_path / "a"), db_path=db,
                                              http=make_http(receivers), sleep=sleep)}

    assert reports["slack"].status == "failed" and reports["slack"].attempts == 1
    assert "HTTP 404 no_service" in (reports["slack"].error or "")
    assert "create a new one" in (reports["slack"].error or "")
    assert reports["webhook"].status == "failed" and "410" in (reports["webhook"].error or "")
    assert reports["discord"].status == reports["telegram"].status == reports["markdown"].status == "delivered"
    assert receivers.count(SLACK_PATH) == 1 and receivers.count("/hooks/") == 1  # 4xx is never retried


def test_a_wait_longer_than_the_bound_leaves_the_rest_for_a_rerun(receivers: Receivers, tmp_path: Path) -> None:
    receivers.fail(f"/bot{TELEGRAM_TOKEN}/sendPhoto",
                   telegram_error(429, "Too Many Requests: retry after 3600", retry_after=3600))
    doc = long_document(2)
    db = tmp_path / "briefbot.db"
    targets = [t for t in all_targets(receivers, tmp_path / "a") if t.kind == "telegram"]

    [first] = deliver_all(doc, targets, db_path=db, http=make_http(receivers), sleep=RecordedSleep())
    [second] = deliver_all(doc, targets, db_path=db, http=make_http(receivers), sleep=RecordedSleep())

    assert first.status == "partial" and "asked to wait 3600 s" in (first.error or "")
    assert second.status == "delivered" and second.error is None
    assert [a.files != [] for a in receivers.of("telegram")] == [False, True]  # the text once, then the photo


def test_retries_are_bounded_and_counted(receivers: Receivers, tmp_path: Path) -> None:
    receivers.fail(DISCORD_PATH, *[plain(503, "upstream connect error")] * 5)
    sleep = RecordedSleep()
    targets = [t for t in all_targets(receivers, tmp_path / "a") if t.kind == "discord"]

    [report] = deliver_all(long_document(2), targets, db_path=tmp_path / "b.db", http=make_http(receivers), sleep=sleep)

    assert report.status == "failed" and report.attempts == 5 and "gave up after 5 attempts" in (report.error or "")
    assert len(sleep.waits) == 4 and sleep.waits == sorted(sleep.waits)  # exponential backoff, no early stop
    assert receivers.count(DISCORD_PATH) == 5


def test_telegram_gets_plain_text_that_no_data_can_break(receivers: Receivers, tmp_path: Path) -> None:
    targets = [t for t in all_targets(receivers, tmp_path / "a") if t.kind == "telegram"]
    doc = long_document(1)

    deliver_all(doc, targets, db_path=tmp_path / "b.db", http=make_http(receivers), sleep=RecordedSleep())

    first = receivers.of("telegram")[0].text
    assert "_*[]()~`>#+-=|{}.!" in first and first.startswith(doc.title)  # unescaped, as written


def test_markdown_archive_is_written_with_its_chart(receivers: Receivers, tmp_path: Path) -> None:
    targets = [t for t in all_targets(receivers, tmp_path / "archive") if t.kind == "markdown"]
    doc = long_document(1)

    [report] = deliver_all(doc, targets, db_path=tmp_path / "b.db", http=make_http(receivers), sleep=RecordedSleep())

    # 22:00 UTC is 07:00 the next day in Seoul: the path is in the brief's zone.
    page = tmp_path / "archive" / "2026-12-01-0700-morning.md"
    assert report.message_ids == [str(page)]
    assert f"![{doc.charts[0].title}](2026-12-01-0700-morning-krw-btc-30d.png)" in page.read_text()
    assert (tmp_path / "archive" / "2026-12-01-0700-morning-krw-btc-30d.png").read_bytes() == doc.charts[0].png
    assert not [p for p in (tmp_path / "archive").iterdir() if p.name.startswith(".")]  # no temp files left


def test_secrets_appear_in_no_report_row_or_error(receivers: Receivers, tmp_path: Path) -> None:
    receivers.fail(SLACK_PATH, slack_fault(404, "no_service"))
    receivers.fail(f"/bot{TELEGRAM_TOKEN}/sendMessage", telegram_error(400, "Bad Request: chat not found"))
    db = tmp_path / "briefbot.db"
    targets = all_targets(receivers, tmp_path / "a")
    unreachable = parse_target({"to": "discord", "url": "${D}"},
                               env={"D": "http://127.0.0.1:9" + DISCORD_PATH}, where="x")  # nothing listens on 9

    reports = deliver_all(long_document(2), [*targets, unreachable], db_path=db, http=make_http(receivers),
                          sleep=RecordedSleep())

    assert reports[-1].status == "failed" and "cannot connect" in (reports[-1].error or "")
    shown = repr(reports) + " ".join(t.describe() for t in targets)
    with sqlite3.connect(db) as conn:
        rows = repr(conn.execute("SELECT * FROM delivery_outbox").fetchall())
    for secret in SECRETS:
        assert secret not in shown and secret not in rows
    assert "telegram chat -1001234567890" in shown and "discord http://127.0.0.1:9/…" in shown


def test_slack_messages_stay_within_50_blocks_of_3000_characters(receivers: Receivers, tmp_path: Path) -> None:
    targets = [t for t in all_targets(receivers, tmp_path / "a") if t.kind == "slack"]
    doc = long_document(600)  # ~200,000 characters: more sections than one message may hold

    [report] = deliver_all(doc, targets, db_path=tmp_path / "b.db", http=make_http(receivers), sleep=RecordedSleep())

    messages = receivers.of("slack")
    assert report.status == "delivered" and report.parts == len(messages) >= 2  # the receiver refuses over-limit blocks
    assert all(doc.run_key in m.text for m in messages)
    assert sum(m.text.count("Paragraph ") for m in messages) == 600  # nothing dropped between messages


def test_a_rerun_sends_the_first_plan_even_if_the_document_changed(receivers: Receivers, tmp_path: Path) -> None:
    receivers.fail(DISCORD_PATH, *[plain(503)] * 5)
    targets = [t for t in all_targets(receivers, tmp_path / "a") if t.kind == "discord"]
    db = tmp_path / "b.db"
    first = long_document(2)
    deliver_all(first, targets, db_path=db, http=make_http(receivers), sleep=RecordedSleep())
    changed = long_document(40, run_key=first.run_key)  # e.g. the model wrote another summary this time

    [report] = deliver_all(changed, targets, db_path=db, http=make_http(receivers), sleep=RecordedSleep())

    texts = [a.text for a in receivers.of("discord") if not a.files]
    assert report.status == "delivered" and len(texts) == 1 and "Paragraph 3 " not in texts[0]
