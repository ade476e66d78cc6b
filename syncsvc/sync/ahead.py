"""The next read batch made ready in a thread while the caller syncs the current one.

At QuickBooks' batch limit a pause between read batches delays every batch request after it (each
waits for the one 39 before it to be a minute old), so what a read batch needs before its first write
(its orders from Keap, what the state and QuickBooks hold of them) is not left for that pause.
"""

from __future__ import annotations

import contextvars
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Callable, Generic, Iterable, TypeVar

Ready = TypeVar("Ready")
Taken = TypeVar("Taken")


class ReadAhead(Generic[Ready]):
    """Each chunk in turn, made ready by `job_for(chunk)` in one thread: `job_for` runs on the caller's
    thread when the chunk's turn to be read comes (after the previous one was taken), the job it returns
    in the thread. One job is out at a time, so what it uses is never used by two read-ahead threads; its
    failure is raised by `next()`, where a read in line would have raised it. Leaving the `with` waits
    for a job still out (a stop ends its waits) and drops what it read."""

    def __init__(self, chunks: Iterable[list[int]], job_for: Callable[[list[int]], Callable[[], Ready]]) -> None:
        self._chunks = iter(chunks)
        self._job_for = job_for
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="read-ahead")
        self._context = contextvars.copy_context()  # the run's stop reaches the thread's waits
        self._pending: Future | None = None

    def __enter__(self) -> "ReadAhead[Ready]":
        self._pending = self._start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def next(self, take: Callable[[Ready], Taken]) -> Taken:
        """The next chunk, once ready, given to `take` (on this thread); then the chunk after it starts."""
        if self._pending is None:
            raise RuntimeError("no chunk left to read")
        taken = take(self._pending.result())
        self._pending = self._start()
        return taken

    def _start(self) -> Future | None:
        chunk = next(self._chunks, None)
        if chunk is None:
            return None
        return self._pool.submit(self._context.copy().run, self._job_for(chunk))
