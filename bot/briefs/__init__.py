"""Scheduled briefs: definitions, schedules, the run ledger, the runner and deliveries.

    definitions   briefs.toml -> BriefDefinition (validated before anything runs); sources: its fetch words
    schedule      cron + IANA zone -> slot instants (Debian cron semantics on DST days, via cronsim)
    ledger        SQLite: one row per (brief, slot), claimed in the transaction that runs it; leases
    execution     claim -> run -> record, whatever happens (stop signals included)
    heartbeat     a running run renews its lease, so it is never taken over while alive
    scheduler     which slots are due, catch-up and overlap; the ``serve`` loop
    reload        ``serve`` follows briefs.toml (on change, on SIGHUP), keeping the last good one
    runner        fetch -> pack -> summary -> BriefDocument -> deliveries; summary: the one model call
    document      BriefDocument: what a run produced, rendered per target
    targets       delivery targets (markdown, webhook, slack, discord, telegram) and the outbox
"""
