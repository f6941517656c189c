"""Sending every destination's parts through the outbox, with bounded, honest retries.

Per part: up to ``max_attempts`` attempts; between them the wait the service asked for
(Retry-After, Discord's ``retry_after``, Telegram's ``parameters.retry_after``) or else
exponential backoff with jitter. A service asking for more than ``max_retry_after`` seconds
ends the part's attempts for this run rather than holding the whole brief hostage. Parts
of one destination go in order: when one cannot be delivered, the later ones wait for the
next run of the same slot (a ``(3/3)`` never arrives without its ``(2/3)``). Destinations
are independent: one failing never stops the others.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.briefs.deliver.outbox import DeliveryReport, Outbox, OutboxRow
from bot.briefs.deliver.protocol import Accepted, DeliveryTarget, Refused, Retry, SendOutcome
from bot.briefs.document import BriefDocument
from bot.errors import ConnectorError
from bot.redact import Redactor
from connectors.http import HttpClient
from connectors.retry import RetryPolicy, backoff_seconds

log = logging.getLogger("briefbot.briefs.deliver")


@dataclass(frozen=True)
class DeliveryPolicy:
    max_attempts: int = 5
    backoff: RetryPolicy = RetryPolicy(initial_wait=1.0, max_wait=60.0, jitter=0.5)
    max_retry_after: float = 300.0


def deliver_targets(
    doc: BriefDocument,
    targets: Sequence[DeliveryTarget],
    *,
    outbox: Outbox,
    http: HttpClient,
    sleep: Callable[[float], None],
    policy: DeliveryPolicy,
) -> list[DeliveryReport]:
    redactor = http.redactor
    for target in targets:
        for secret in target.secrets():
            redactor.add(secret)
    return [_deliver_one(doc, target, outbox=outbox, http=http, sleep=sleep, policy=policy) for target in targets]


def _deliver_one(
    doc: BriefDocument,
    target: DeliveryTarget,
    *,
    outbox: Outbox,
    http: HttpClient,
    sleep: Callable[[float], None],
    policy: DeliveryPolicy,
) -> DeliveryReport:
    redactor = http.redactor
    try:
        rows = outbox.plan(doc.run_key, target, target.plan(doc, now=datetime.now(UTC)))
    except (OSError, ValueError) as exc:
        # Nothing stored: the document could not even be rendered for this destination.
        return DeliveryReport(target.describe(), target.kind, "failed", 0, 0, [], redactor.scrub(str(exc)))
    if not rows:
        return DeliveryReport(target.describe(), target.kind, "delivered", 0, 0, [], None)  # nothing to send
    pace = target.pace
    sent_before = False
    for row in rows:
        if row.status == "accepted":
            continue
        if sent_before and pace:
            sleep(pace)
        sent_before = True
        outcome = _send_part(row, target, outbox=outbox, http=http, sleep=sleep, policy=policy, redactor=redactor)
        if not isinstance(outcome, Accepted):
            log.warning("%s: part %d/%d not delivered", target.describe(), row.index + 1, row.parts)
            break
    return outbox.report(doc.run_key, target.key())


def _send_part(
    row: OutboxRow,
    target: DeliveryTarget,
    *,
    outbox: Outbox,
    http: HttpClient,
    sleep: Callable[[float], None],
    policy: DeliveryPolicy,
    redactor: Redactor,
) -> SendOutcome:
    where = f"{target.describe()} part {row.index + 1}/{row.parts}"
    for attempt in range(1, policy.max_attempts + 1):
        outbox.mark_sending(row)
        outcome = _attempt(row, target, http)
        if isinstance(outcome, Accepted):
            outbox.mark_accepted(row, outcome.remote_id)
            return outcome
        detail = redactor.scrub(outcome.detail)
        if isinstance(outcome, Refused):
            outbox.mark_failed(row, f"{where}: {detail}")
            return outcome
        if attempt == policy.max_attempts:
            outbox.mark_failed(row, f"{where}: {detail} — gave up after {attempt} attempts")
            return outcome
        wait = outcome.after if outcome.after is not None else backoff_seconds(policy.backoff, attempt)
        if wait > policy.max_retry_after:
            outbox.mark_failed(
                row,
                f"{where}: {detail} — asked to wait {wait:.0f} s, more than the {policy.max_retry_after:.0f} s "
                "a delivery waits; a re-run of this slot sends what is left",
            )
            return outcome
        outbox.mark_retrying(row, f"{where}: {detail}")
        log.info("%s: %s; retrying in %.1f s", where, detail, wait)
        sleep(wait)
    raise AssertionError("unreachable: the loop returns on its last attempt")


def _attempt(row: OutboxRow, target: DeliveryTarget, http: HttpClient) -> SendOutcome:
    try:
        return target.send(row.part, message_id=row.message_id, http=http)
    except ConnectorError as exc:
        # HttpClient.post raises only for connection failures and timeouts: the request may
        # or may not have arrived, exactly the crash case the outbox comment describes.
        return Retry(exc.message)

