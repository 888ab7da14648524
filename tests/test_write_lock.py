"""The SQLite writer lock: excludes writers of one process as of several, and is absent where it is not needed."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from sqlalchemy import create_engine

from service.write_lock import lock_path, serialised_writes


def test_only_sqlite_files_have_a_writer_lock(tmp_path: Path) -> None:
    assert lock_path(create_engine(f"sqlite:///{tmp_path}/m.db")) == f"{tmp_path}/m.db-writer.lock"
    assert lock_path(create_engine("sqlite://")) is None
    assert lock_path(create_engine("postgresql+psycopg://postgres@127.0.0.1:5432/test")) is None


def test_threads_of_one_process_take_turns(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path}/m.db")
    inside = 0
    most_inside = 0
    guard = threading.Lock()

    def writer() -> None:
        nonlocal inside, most_inside
        for _ in range(20):
            with serialised_writes(engine):
                with guard:
                    inside += 1
                    most_inside = max(most_inside, inside)
                time.sleep(0.001)  # hold the lock long enough for the others to try
                with guard:
                    inside -= 1

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most_inside == 1


def test_the_lock_is_released_when_the_block_raises(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path}/m.db")
    try:
        with serialised_writes(engine):
            raise RuntimeError("write failed")
    except RuntimeError:
        pass
    acquired = threading.Event()

    def next_writer() -> None:
        with serialised_writes(engine):
            acquired.set()

    thread = threading.Thread(target=next_writer)
    thread.start()
    thread.join(timeout=10)
    assert acquired.is_set()
