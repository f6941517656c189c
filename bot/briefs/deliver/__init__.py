"""Delivering a BriefDocument: one module per concept.

    protocol     the contract every target meets: plan a document into parts, send one part
    outbox       SQLite rows (run, target, part): each part accepted at most once, retried
    splitting    long text cut on paragraph boundaries under a target's limit, numbered
    markdown     the archive file and its chart PNGs, written atomically
    webhook      Standard Webhooks 1.0 (signed JSON)
    slack        incoming webhook, section blocks
    discord      webhook with ?wait=true, charts as attachments
    telegram     Bot API sendMessage / sendPhoto, plain text (never MarkdownV2)

The public entry points are in :mod:`bot.briefs.targets`.
"""
