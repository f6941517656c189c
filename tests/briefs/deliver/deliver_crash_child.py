"""Child process for the SIGKILL test: delivers one brief run to the receivers, then exits 0.

    python deliver_crash_child.py DB_PATH RECEIVERS_URL ARCHIVE_DIR RUN_KEY

Prints "ready" once imports are done, so the parent's random kill delays measure the
delivery itself, not the interpreter's start-up.
"""

from __future__ import annotations

import sys
from pathlib import Path

from deliver_support import long_document, make_http_for_url, target_tables

from bot.briefs.targets import deliver_all, parse_target


def main(db_path: str, url: str, archive: str, run_key: str) -> int:
    env, tables = target_tables(url, Path(archive))
    targets = [parse_target(t, env=env, where=f"crash[{i}]") for i, t in enumerate(tables)]
    http = make_http_for_url(url)
    print("ready", flush=True)
    reports = deliver_all(long_document(30, run_key=run_key), targets, db_path=Path(db_path), http=http,
                          sleep=lambda _: None)
    return 0 if all(r.status == "delivered" for r in reports) else 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:5]))
