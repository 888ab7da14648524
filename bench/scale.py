"""How every moderator, admin and reader path costs as the data grows: build N comments by COPY, time each path.

Run by hand (not in CI), on a PostgreSQL database of its own, which it rebuilds from scratch for every size:

    .venv/bin/python bench/scale.py --sizes 10000 200000 2000000 \\
        --database postgresql+psycopg://postgres@127.0.0.1:5432/moderato_scale

The mix follows issue 16's year of a busy site: 365 days, 2.5 % waiting (5 % of those reported, a few hundred
leased), 39 % decided by people (verdicts), ~1.8 audit events per comment, 1 % in campaigns, 10 % Arabic, the last
30 days scored by a shadow model. Each path is called one request at a time through the Flask test client on the
real PostgreSQL database (after VACUUM ANALYZE), and the table prints p50/p95 in milliseconds.
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import json
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from flask import Flask
from flask.testing import FlaskClient

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "models" / "2026-11-27.2"
SHADOW_MODEL = ROOT / "models" / "2026-11-27.1"
DAYS = 365
ARTICLES = 2000
DEEP_ARTICLE = "article-deep"
ENGLISH = ["The ferry timetable change hurts shift workers", "Thanks for covering the council vote",
           "This is a disgrace and the mayor should resign", "Buy cheap watches at example dot com",
           "I disagree with the columnist about rents", "Great reporting on the flood defences"]  # fmt: skip
ARABIC = ["شكرا على هذا التقرير المهم", "أختلف مع الكاتب في هذا الرأي", "هذا عار على المجلس البلدي"]
QUIET = {"logging": {"level": "ERROR"}}
REJECT_REASONS = ["abuse", "spam", "off_topic", "personal_data"]

COMMENT_COLUMNS = (
    "id, article_id, parent_id, author_name, author_email, body, status, language, score, categories, explanation, "
    "model_version, policy_version, reasons, automatic_status, audit_sample, campaign_id, body_fingerprint, ip_hash, "
    "shadow_score, shadow_model_version, lease_holder, lease_expires_at, decided_by, decided_at, "
    "excluded_from_training, created_at, updated_at"
)
VERDICT_COLUMNS = (
    "comment_id, moderator, action, reason_code, reason_text, from_status, to_status, model_version, policy_version, "
    "score, audit_sample, automatic_status, created_at, undone_at"
)
AUDIT_COLUMNS = "created_at, actor, action, comment_id, subject, from_status, to_status, reason, data"


def _cell(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False).replace("\\", "\\\\")
    return str(value).replace("\\", "\\\\").replace("\t", " ").replace("\n", " ").replace("\r", " ")


def _line(values: tuple[Any, ...]) -> str:
    return "\t".join(_cell(v) for v in values) + "\n"


def _copy(connection: psycopg.Connection[Any], table: str, columns: str, rows: Iterator[tuple[Any, ...]]) -> int:
    count = 0
    with connection.cursor() as cursor, cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        buffer = io.StringIO()
        for row in rows:
            buffer.write(_line(row))
            count += 1
            if count % 20000 == 0:
                copy.write(buffer.getvalue())
                buffer = io.StringIO()
        copy.write(buffer.getvalue())
    return count


class Texts:
    """Comment bodies drawn, with replacement, from labelled public data (never stored in the repository): a
    comment's label decides which pool its text comes from, so a site model has something real to learn. Each draw
    gets a light variation (a word dropped, a short tail added), so repeats are not exact duplicates."""

    TAILS = ["", "", "", " Just saying.", " Agreed?", " Read the article.", " Again.", " Thanks.", " Honestly."]

    def __init__(self, paths: list[Path], seed: int = 16) -> None:
        from service.classifier.datasets import load_rows

        self.pools: dict[tuple[str, int], list[str]] = {}
        for row in load_rows(paths):
            text = row.text.replace("\x00", "").strip()[:1400]
            if text:
                self.pools.setdefault((row.language, row.label), []).append(text)
        self.rng = random.Random(seed)
        print(
            "texts: "
            + ", ".join(f"{lang}/{label}: {len(pool):,}" for (lang, label), pool in sorted(self.pools.items())),
            flush=True,
        )

    def draw(self, language: str, label: int) -> str:
        pool = self.pools.get((language, label)) or self.pools[("en", label)]
        words = self.rng.choice(pool).split(" ")
        if len(words) > 6 and self.rng.random() < 0.5:
            del words[self.rng.randrange(len(words))]
        return " ".join(words) + self.rng.choice(self.TAILS)


class Mix:
    """The deterministic content of a database of `size` comments."""

    def __init__(
        self, size: int, now: datetime, seed: int = 16, texts: Texts | None = None, decided: float = 0.39
    ) -> None:
        self.size, self.now, self.rng = size, now, random.Random(seed)
        self.texts, self.decided = texts, decided
        self.waiting = max(int(size * 0.025), 50)
        self.decisions: list[tuple[int, float, str, datetime]] = []
        self.shadow_version = SHADOW_MODEL.name
        self.model_version = MODEL.name

    def comments(self) -> Iterator[tuple[Any, ...]]:
        rng, now, size = self.rng, self.now, self.size
        span = DAYS * 86400
        waiting_from = size - self.waiting  # the newest comments are the ones still waiting
        for n in range(1, size + 1):
            created = now - timedelta(seconds=span * (size - n) / size + 1)
            arabic = rng.random() < 0.10
            score = min(max(rng.betavariate(0.8, 2.2), 0.0), 1.0)
            abuse = rng.random()
            reasons: list[dict[str, str]] = []
            lease_holder = lease_expires = decided_by = decided_at = None
            campaign = f"campaign-{n % 97}" if rng.random() < 0.01 else None
            if campaign:
                reasons.append({"code": "duplicate"})
            if n > waiting_from:
                status = "reported" if rng.random() < 0.05 else "pending"
                reasons.append({"code": "score_borderline" if score < 0.8 else "score_high"})
                if n - waiting_from <= 300:
                    lease_holder, lease_expires = f"moderator-{n % 5}", now + timedelta(minutes=5)
            else:
                status = "published" if score < 0.45 else ("rejected" if score >= 0.8 else "published")
                if rng.random() < self.decided:  # people decided about 39 % of comments
                    rejected = rng.random() < score
                    status = "rejected" if rejected else "published"
                    decided_by, decided_at = f"moderator-{n % 7}", created + timedelta(minutes=rng.randint(1, 600))
                    self.decisions.append((n, score, "reject" if rejected else "approve", decided_at))
                elif score >= 0.8:
                    reasons.append({"code": "score_high"})
            article = DEEP_ARTICLE if n % 50 == 0 else f"article-{n % ARTICLES}"
            shadow = created > now - timedelta(days=30)
            if self.texts is None:
                body = rng.choice(ARABIC if arabic else ENGLISH) + f" #{n}"
            else:  # a rejected comment reads like one that needs moderation (moderators disagree with the data 10 %)
                held = status == "rejected" if decided_by else rng.random() < score
                body = self.texts.draw("ar" if arabic else "en", int(held != (rng.random() < 0.1)))
            yield (
                n, article, None, "Reader", f"Reader{n % 40000}@Example.org",
                body, status, "ar" if arabic else "en", score,
                {"abuse": abuse, "spam": 1 - abuse}, [], self.model_version, 1, reasons, None, False, campaign,
                None, None, min(score + rng.uniform(-0.1, 0.1), 1.0) if shadow else None,
                self.shadow_version if shadow else None, lease_holder, lease_expires, decided_by, decided_at, False,
                created, decided_at or created,
            )  # fmt: skip

    def verdicts(self) -> Iterator[tuple[Any, ...]]:
        for comment_id, score, action, when in self.decisions:
            to_status = "rejected" if action == "reject" else "published"
            reason = self.rng.choice(REJECT_REASONS) if action == "reject" else "acceptable"
            yield (comment_id, "moderator", action, reason, None, "pending", to_status, self.model_version, 1,
                   score, False, None, when, None)  # fmt: skip

    def audit_events(self) -> Iterator[tuple[Any, ...]]:
        span = DAYS * 86400
        for n in range(1, self.size + 1):
            created = self.now - timedelta(seconds=span * (self.size - n) / self.size + 1)
            yield (created, "system", "comment.submitted", n, None, None, "pending", None, {"score": 0.5})
            if n % 3 == 0:
                yield (created, "moderator", "queue.claimed", n, None, None, None, None, {})
        for comment_id, _, action, when in self.decisions:
            to_status = "rejected" if action == "reject" else "published"
            yield (when, "moderator", f"comment.{to_status.replace('published', 'approved')}", comment_id, None,
                   "pending", to_status, None, {})  # fmt: skip


def _migration(name: str) -> Any:
    """A migration module, for its SQL."""
    path = ROOT / "service" / "migrations" / "versions" / name
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def build(database: str, size: int, texts: Texts | None = None, decided: float = 0.39) -> Mix:
    """Drop and rebuild the schema by migration, then COPY the mix in and VACUUM ANALYZE."""
    from flask_migrate import upgrade

    from service.app import create_app

    plain = database.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as connection:
        connection.execute("DROP SCHEMA public CASCADE")
        connection.execute("CREATE SCHEMA public")
    app = create_app({**QUIET, "database": {"url": database}, "model": {"path": str(MODEL)}}, check_schema=False)
    with app.app_context():
        upgrade(directory=str(ROOT / "service" / "migrations"))
    mix = Mix(size, datetime.now(UTC), texts=texts, decided=decided)
    started = time.perf_counter()
    aggregates = _migration("0007_scale_aggregates.py")
    with psycopg.connect(plain) as connection:
        # The rows go in without their per-row triggers; what those maintain is then counted at once, by the
        # migration's own backfill statements.
        for table in ("comment", "verdict"):
            connection.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        _copy(connection, "comment", COMMENT_COLUMNS, mix.comments())
        _copy(connection, "verdict", VERDICT_COLUMNS, mix.verdicts())
        events = _copy(connection, "audit_event", AUDIT_COLUMNS, mix.audit_events())
        connection.execute("SELECT setval('comment_id_seq', (SELECT max(id) FROM comment))")
        for statement in aggregates.PG_BACKFILL:
            connection.execute(statement)
        connection.execute(aggregates.RECOUNT.format(**aggregates.PG_RECOUNT))
        cells = _migration("0008_shadow_cells.py")
        connection.execute(cells.recount(cells.PG_BIN))
        for table in ("comment", "verdict"):
            connection.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
        connection.commit()
    with psycopg.connect(plain, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")
    print(
        f"built {size:,} comments ({mix.waiting:,} waiting, {len(mix.decisions):,} decisions, {events:,} audit "
        f"events) in {time.perf_counter() - started:.0f} s",
        flush=True,
    )
    return mix


def _timed(call: Callable[[], Any], repeat: int) -> tuple[float, float]:
    call()  # warm: first-use compilation and caches
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    p95 = samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]
    return statistics.median(samples), p95


def _ok(response: Any) -> Any:
    assert response.status_code < 400, (response.status_code, response.get_data(as_text=True)[:300])
    return response


def measure(database: str, repeat: int) -> dict[str, tuple[float, float]]:
    """p50/p95 of every path, one request at a time."""
    from service import auth, privacy, registry
    from service.app import create_app
    from service.extensions import db

    overrides = {
        **QUIET,
        "database": {"url": database},
        "model": {"path": str(MODEL)},
        "rate_limits": {"enabled": False},
    }
    app: Flask = create_app(overrides)
    with app.app_context():
        admin = {"Authorization": f"Bearer {auth.create_token('bench-admin', auth.Role.ADMIN, actor='bench').secret}"}
        moderator_token = auth.create_token("bench-moderator", auth.Role.MODERATOR, actor="bench").secret
        registry.register(SHADOW_MODEL, "bench", state=registry.SHADOW)
        db.session.remove()
    moderator = {"Authorization": f"Bearer {moderator_token}"}
    client: FlaskClient = app.test_client()
    pages: FlaskClient = app.test_client()
    sys.path.insert(0, str(ROOT))
    from tests.pages.helpers import sign_in

    sign_in(pages, moderator_token)
    deep = _ok(client.get(f"/api/v1/articles/{DEEP_ARTICLE}/comments?limit=50")).get_json()
    cursor = None
    # A cursor about 80 % of the way through the deep article.
    with app.app_context():
        from sqlalchemy import func, select

        from service.moderation import _encode_cursor
        from service.records import Comment

        published = db.session.scalar(
            select(func.count()).where(Comment.article_id == DEEP_ARTICLE, Comment.status == "published")
        )
        row = db.session.execute(
            select(Comment.created_at, Comment.id)
            .where(Comment.article_id == DEEP_ARTICLE, Comment.status == "published")
            .order_by(Comment.created_at, Comment.id)
            .offset(int((published or 1) * 0.8))
            .limit(1)
        ).one()
        cursor = _encode_cursor(row[0], row[1])
        db.session.remove()
    assert deep["items"]

    def simulate(days: int) -> Callable[[], Any]:
        body = {"publish_below": 0.4, "reject_at": 0.8, "window_days": days, "capacity_per_day": 200}
        return lambda: _ok(client.post("/api/v1/policy/simulate", json=body, headers=admin))

    def export() -> None:
        with app.app_context():
            privacy.export_email("reader123@example.org", "bench", "bench")
            db.session.remove()

    counter = iter(range(10**9))
    paths: dict[str, Callable[[], Any]] = {
        "POST /api/v1/policy/simulate 30 d, capacity 200": simulate(30),
        "simulate 365 d, capacity 200": simulate(365),
        "GET /api/v1/queue (oldest)": lambda: _ok(client.get("/api/v1/queue", headers=moderator)),
        "GET /api/v1/queue?order=priority": lambda: _ok(client.get("/api/v1/queue?order=priority", headers=moderator)),
        "GET /api/v1/queue?order=score": lambda: _ok(client.get("/api/v1/queue?order=score", headers=moderator)),
        "GET /api/v1/queue?reason=duplicate": lambda: _ok(
            client.get("/api/v1/queue?reason=duplicate", headers=moderator)
        ),
        "GET /api/v1/queue?category=spam&order=priority": lambda: _ok(
            client.get("/api/v1/queue?category=spam&order=priority", headers=moderator)
        ),
        "GET /api/v1/queue?language=ar": lambda: _ok(client.get("/api/v1/queue?language=ar", headers=moderator)),
        "GET /moderate/counts.json": lambda: _ok(pages.get("/moderate/counts.json")),
        "GET /moderate": lambda: _ok(pages.get("/moderate")),
        "POST /api/v1/queue/claim": lambda: _ok(
            client.post("/api/v1/queue/claim", json={"limit": 10}, headers=moderator)
        ),
        "GET /api/v1/models/shadow-report": lambda: _ok(client.get("/api/v1/models/shadow-report", headers=admin)),
        "GET /metrics": lambda: _ok(client.get("/metrics")),
        "article comments, first page": lambda: _ok(client.get(f"/api/v1/articles/{DEEP_ARTICLE}/comments")),
        "article comments, deep cursor": lambda: _ok(
            client.get(f"/api/v1/articles/{DEEP_ARTICLE}/comments?cursor={cursor}")
        ),
        "GET /api/v1/audit": lambda: _ok(client.get("/api/v1/audit", headers=admin)),
        "privacy export (one address)": export,
        "POST /api/v1/comments": lambda: _ok(
            client.post(
                "/api/v1/comments",
                json={
                    "article_id": "article-1",
                    "author_name": "Bench",
                    "author_email": "bench@example.org",
                    "body": f"Posting at scale, comment {next(counter)}, about the ferry timetable.",
                },
            )  # fmt: skip
        ),
    }
    results = {}
    for name, call in paths.items():
        slow = name.startswith(("POST /api/v1/policy", "simulate"))
        results[name] = _timed(call, max(3, repeat // 4) if slow else repeat)
        print(f"  {name}: {results[name][0]:.1f}/{results[name][1]:.1f} ms", flush=True)
    return results


def insert_cost(database: str, rounds: int, per_round: int) -> None:
    """The database's share of one post, with and without what migration 0007 maintains at insert (the
    comment_derive trigger: top category, reason codes, the score_day histogram), interleaved rounds of
    `comment_store.insert_comment` + COMMIT, one at a time, on the database as it is."""
    from sqlalchemy import text

    from service import audit, comment_store
    from service.app import create_app
    from service.extensions import db
    from service.records import utcnow

    app = create_app({**QUIET, "database": {"url": database}, "model": {"path": str(MODEL)}})
    rng = random.Random(7)
    timings: dict[str, list[float]] = {"with": [], "without": []}
    statements: dict[str, list[float]] = {"with": [], "without": []}
    with app.app_context():
        for n in range(rounds * 2):
            mode = "with" if n % 2 == 0 else "without"
            switch = "ENABLE" if mode == "with" else "DISABLE"
            db.session.execute(text(f"ALTER TABLE comment {switch} TRIGGER comment_derive"))
            db.session.commit()
            started, in_statement = time.perf_counter(), 0.0
            for i in range(per_round):
                now, score = utcnow(), rng.random()
                values = {
                    "article_id": "article-cost", "parent_id": None, "author_name": "Bench",
                    "author_email": "bench@example.org", "body": f"Insert cost {n}-{i}", "status": "published",
                    "language": "en", "score": score, "categories": {"abuse": score, "spam": 1 - score},
                    "explanation": [], "model_version": MODEL.name, "policy_version": 1,
                    "reasons": [{"code": "score_borderline"}], "automatic_status": None, "audit_sample": False,
                    "body_fingerprint": None, "campaign_id": None, "ip_hash": None, "shadow_score": None,
                    "shadow_model_version": None, "excluded_from_training": False, "created_at": now,
                    "updated_at": now,
                }  # fmt: skip
                event = audit.event_values("system", "comment.submitted", to_status="published", data={"score": score})
                before = time.perf_counter()
                comment_store.insert_comment(comment_store.NewComment(values, [], {**event, "created_at": now}))
                in_statement += time.perf_counter() - before
                db.session.commit()
            timings[mode].append((time.perf_counter() - started) * 1000 / per_round)
            statements[mode].append(in_statement * 1000 / per_round)
        db.session.execute(text("ALTER TABLE comment ENABLE TRIGGER comment_derive"))
        db.session.commit()
    for mode in timings:
        print(
            f"{mode} the maintained values: the insert statement {statistics.median(statements[mode]):.3f} ms, "
            f"with its commit {statistics.median(timings[mode]):.2f} ms (medians of {rounds} rounds of {per_round})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 200_000])
    parser.add_argument("--database", default="postgresql+psycopg://postgres@127.0.0.1:5432/moderato_scale")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument(
        "--reuse", action="store_true", help="measure the database as it is (one size, already built), no rebuild"
    )
    parser.add_argument(
        "--texts",
        type=Path,
        nargs="+",
        metavar="PATH",
        help="draw comment bodies from these labelled data sets (e.g. ../shared/data/*) instead of short templates, "
        "for training at scale (moderato train --include-decisions on the built database)",
    )
    parser.add_argument(
        "--decided", type=float, default=0.39, help="share of the comments decided by people (default 0.39)"
    )
    parser.add_argument(
        "--build-only", action="store_true", help="build the database and stop (e.g. to train on it), no timings"
    )
    parser.add_argument(
        "--insert-cost", type=int, metavar="ROUNDS", help="time the insert path with and without the triggers instead"
    )
    args = parser.parse_args()
    if args.insert_cost:
        insert_cost(args.database, args.insert_cost, 300)
        return
    texts = Texts(args.texts) if args.texts else None
    table: dict[str, dict[int, tuple[float, float]]] = {}
    for size in args.sizes:
        if not args.reuse:
            build(args.database, size, texts, args.decided)
        if args.build_only:
            continue
        for name, value in measure(args.database, args.repeat).items():
            table.setdefault(name, {})[size] = value
    if args.build_only:
        return
    header = " | ".join(f"{size:,}" for size in args.sizes)
    print(f"\n| path (p50/p95 ms) | {header} |")
    print("| --- |" + " --- |" * len(args.sizes))
    for name, by_size in table.items():
        cells = " | ".join(f"{by_size[s][0]:.1f}/{by_size[s][1]:.1f}" for s in args.sizes)
        print(f"| {name} | {cells} |")


if __name__ == "__main__":
    main()
