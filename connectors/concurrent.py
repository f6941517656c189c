"""Fetching several connectors for one question at once.

A question like "서울 날씨랑 원달러 환율, 비트코인 시세" needs three sources; their latencies
should overlap, not add up. Fetching is I/O-bound, so a small thread pool over the runtime's
shared session is enough. One failing source does not sink the others: each slot of the
result is either a :class:`~connectors.runtime.FetchResult` or a :class:`FetchFailure`,
in the order asked.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from connectors.errors import ConnectorError
from connectors.runtime import ConnectorRuntime, FetchResult

FetchRequest = tuple[str, Mapping[str, Any]]
MAX_WORKERS = 8


@dataclass(frozen=True)
class FetchFailure:
    connector: str
    params: dict[str, Any]
    error: ConnectorError

    @property
    def message(self) -> str:
        return str(self.error)


def fetch_many(
    runtime: ConnectorRuntime,
    requests: Sequence[FetchRequest],
    *,
    refresh: bool = False,
    max_workers: int | None = None,
) -> list[FetchResult | FetchFailure]:
    """Fetch every (name, params) concurrently; results in request order, failures in place."""
    if not requests:
        return []

    def one(request: FetchRequest) -> FetchResult | FetchFailure:
        name, params = request
        try:
            return runtime.fetch(name, params, refresh=refresh)
        except ConnectorError as exc:
            return FetchFailure(name, dict(params), exc)
        except Exception as exc:  # noqa: BLE001 - a buggy (third-party) connector fails alone
            wrapped = ConnectorError(
                f"{name}: unexpected {type(exc).__name__}: {runtime.redactor.scrub(str(exc)) if runtime.redactor else exc}",
                hint="this is a bug in the connector; run `briefbot --debug fetch ...` to see the traceback",
            )
            wrapped.__cause__ = exc
            return FetchFailure(name, dict(params), wrapped)

    if len(requests) == 1:
        return [one(requests[0])]
    workers = min(len(requests), max_workers or MAX_WORKERS)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="briefbot-fetch") as pool:
        return list(pool.map(one, requests))
