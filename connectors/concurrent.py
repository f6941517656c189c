"""Fetching several connectors for one question at once.

A question like "서울 날씨랑 원달러 환율, 비트코인 시세" needs three sources; their latencies
should overlap, not add up. Fetching is I/O-bound, so a small thread pool over the runtime's
shared session is enough. One failing source does not sink the others: each slot of the
result is either a :class:`~connectors.runtime.FetchResult` or a :class:`FetchFailure`,
in the order asked.

Ctrl-C must stop the process now, not when the slowest source answers. A
:class:`~concurrent.futures.ThreadPoolExecutor` cannot do that: leaving its ``with`` block waits
for every running task, and the interpreter joins its workers again at exit. So the workers
here are daemon threads fed from a queue: on KeyboardInterrupt the requests not yet started
are dropped, the ones in flight are abandoned (their threads never hold up the exit), and the
interrupt goes on up. An abandoned fetch that still finishes writes its cache entry whole
(the cache writes atomically and refuses writes once its runtime is closed).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Mapping, Sequence
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


Outcome = FetchResult | FetchFailure


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
    return _run_abandonable(one, requests, workers)


def _run_abandonable(one: Callable[[FetchRequest], Outcome], requests: Sequence[FetchRequest], workers: int) -> list[Outcome]:
    """``[one(r) for r in requests]`` on ``workers`` daemon threads; an interrupt of the waiting
    thread cancels what has not started and leaves what has to finish (or not) on its own."""
    results: list[Outcome | None] = [None] * len(requests)
    todo: queue.SimpleQueue[int] = queue.SimpleQueue()
    for index in range(len(requests)):
        todo.put(index)
    finished: queue.SimpleQueue[int] = queue.SimpleQueue()
    cancelled = threading.Event()

    def work() -> None:
        while not cancelled.is_set():
            try:
                index = todo.get_nowait()
            except queue.Empty:
                return
            try:
                results[index] = one(requests[index])
            finally:
                finished.put(index)  # even if the thread dies: the waiter must not wait forever

    for n in range(workers):
        threading.Thread(target=work, name=f"briefbot-fetch-{n}", daemon=True).start()
    try:
        for _ in requests:
            finished.get()  # interruptible: Ctrl-C raises KeyboardInterrupt here
    except BaseException:
        cancelled.set()
        raise
    return [result if result is not None else _died(requests[i]) for i, result in enumerate(results)]


def _died(request: FetchRequest) -> FetchFailure:
    name, params = request
    return FetchFailure(name, dict(params), ConnectorError(f"{name}: the fetch was stopped before it finished"))
