"""Scheduled briefs: definitions, schedules, the run ledger, the runner and deliveries.

    definitions   briefs.toml -> BriefDefinition (validated before anything runs)
    schedule      cron + IANA zone -> slot instants (Debian cron semantics on DST days)
    ledger        SQLite: one row per (brief, slot), claimed in the transaction that runs it
    runner        fetch -> pack -> summary -> BriefDocument -> deliveries
    document      BriefDocument: what a run produced, rendered per target
    targets       delivery targets (markdown, webhook, slack, discord, telegram) and the outbox
"""
