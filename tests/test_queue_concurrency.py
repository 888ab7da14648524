"""Claiming under real concurrency, on each database: many threads and separate processes, no item leased twice,
none lost. Each claimer claims a few items, decides them, and claims again until the queue is empty."""

from __future__ import annotations

import multiprocessing
import threading
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, insert, select

from service.app import create_app
from service.auth import Principal, Role
from service.extensions import db
from service.records import Comment, Verdict, utcnow
from tests.conftest import _overrides

ITEMS = 60
THREADS = 8
PROCESSES = 4


def seed_queue(app: Flask, count: int) -> list[int]:
    now = utcnow()
    rows = [
        {
            "article_id": "load",
            "author_name": "Reader",
            "author_email": f"r{n}@example.org",
            "body": f"queued comment {n}",
            "status": "pending",
            "score": 0.5,
            "categories": {},
            "explanation": [],
            "reasons": [],
            "audit_sample": False,
            "excluded_from_training": False,
            "created_at": now,
            "updated_at": now,
        }
        for n in range(count)
    ]
    with app.app_context():
        db.session.execute(insert(Comment), rows)
        db.session.commit()
        return list(db.session.scalars(select(Comment.id).order_by(Comment.id)))


def work_the_queue(app: Flask, claimer: int) -> list[int]:
    """Claim up to 3, approve them, repeat; returns every id this claimer was leased."""
    from service import queue

    who = Principal(token_id=claimer, name=f"claimer{claimer}", role=Role.MODERATOR)
    leased: list[int] = []
    with app.app_context():
        while True:
            items = queue.claim(who, 3, lease_seconds=300)
            if not items:
                return leased
            for item in items:
                leased.append(item.id)
                queue.record_verdict(item.id, who, "approve")
            db.session.remove()


def _process_main(url: str, model: str, claimer: int, results: Any) -> None:
    app = create_app(_overrides(url, Path(model)))
    results.put((claimer, work_the_queue(app, claimer)))


def check(app: Flask, ids: list[int], leased_by: dict[int, list[int]]) -> None:
    leases = Counter(i for leased in leased_by.values() for i in leased)
    duplicates = [i for i, n in leases.items() if n > 1]
    assert duplicates == [], f"leased twice: {duplicates}"
    assert sorted(leases) == ids, "some items were never leased"
    with app.app_context():
        verdicts = db.session.scalar(select(func.count(Verdict.id)))
        waiting = db.session.scalar(select(func.count(Comment.id)).where(Comment.status == "pending"))
        backend = db.engine.dialect.name
    assert (verdicts, waiting) == (len(ids), 0)
    print(f"\n{backend}: claimers={len(leased_by)} items={len(ids)} duplicate_leases={len(duplicates)}")


def test_concurrent_threads_never_lease_an_item_twice(app: Flask) -> None:
    ids = seed_queue(app, ITEMS)
    leased_by: dict[int, list[int]] = {}

    def run(claimer: int) -> None:
        leased_by[claimer] = work_the_queue(app, claimer)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(leased_by) == THREADS
    check(app, ids, leased_by)


@pytest.mark.slow
def test_concurrent_processes_never_lease_an_item_twice(app: Flask, database_url: str, tiny_model: Path) -> None:
    ids = seed_queue(app, ITEMS)
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    processes = [
        context.Process(target=_process_main, args=(database_url, str(tiny_model), n, results))
        for n in range(PROCESSES)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=180)
    assert [p.exitcode for p in processes] == [0] * PROCESSES, "a claimer process failed"
    leased_by = dict(results.get(timeout=10) for _ in processes)
    check(app, ids, leased_by)
