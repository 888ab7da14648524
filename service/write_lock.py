"""One writer at a time on SQLite, queued on a blocking file lock instead of SQLite's busy handler.

SQLite lets one connection write at a time. A connection that finds the database locked waits in SQLite's busy
handler, which sleeps 1, 2, 5, 10, 15, 20, 25... ms between attempts: under load a waiting writer sleeps on long
after the lock is free. Queueing the gunicorn workers on flock() instead wakes the next writer the moment the
previous one commits (a much shorter p99 under load with bench/throughput.py: bench/NOTES.md).
PostgreSQL has row locks and needs nothing of this.

Deadlock rule: a transaction must not have written before it takes this lock (it would hold SQLite's lock while
waiting for ours); so the block holds every write of the use case, and only reads come before it.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine


def lock_path(engine: Engine) -> str | None:
    """The lock file beside a SQLite database file; None for other databases and in-memory SQLite."""
    if engine.dialect.name != "sqlite":
        return None
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        return None
    return f"{database}-writer.lock"


@contextmanager
def serialised_writes(engine: Engine) -> Iterator[None]:
    """Hold the writer lock of `engine`'s database for the block (the writes and their commit)."""
    path = lock_path(engine)
    if path is None:
        yield
        return
    # A descriptor per acquisition: flock() locks belong to the open file, so threads of one process sharing a
    # descriptor would not exclude each other.
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)  # closing the last descriptor of the open file releases the lock
