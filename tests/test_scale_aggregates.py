"""What the database maintains (migration 0007) always equals a recount from the rows, whatever the write path:
posts through the API, bulk inserts, decisions, undos, reports, score changes; and simulate over it stays exact
across a window that starts mid-day."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import insert, select, update

from service.extensions import db
from service.records import Comment, ScoreDay, Verdict, utcnow
from service.simulate import Example, ScoreHistogram, bin_index, history_histogram
from tests.conftest import good_comment, set_policy

Tokens = dict[str, dict[str, str]]


def _recount() -> dict[tuple[str, str, int], list[int]]:
    """score_day by definition: every scored comment, and every standing verdict on it, by the comment's UTC day,
    language and score bin."""
    counts: dict[tuple[str, str, int], list[int]] = {}
    comments = {c.id: c for c in db.session.scalars(select(Comment).where(Comment.score.is_not(None)))}
    for comment in comments.values():
        key = (comment.created_at.astimezone(UTC).date().isoformat(), comment.language or "", bin_index(comment.score))
        counts.setdefault(key, [0, 0, 0])[0] += 1
    for verdict in db.session.scalars(select(Verdict).where(Verdict.undone_at.is_(None))):
        comment = comments.get(verdict.comment_id)
        if comment is not None:
            key = (
                comment.created_at.astimezone(UTC).date().isoformat(),
                comment.language or "",
                bin_index(comment.score),
            )
            counts[key][2 if verdict.action == "reject" else 1] += 1
    return counts


def _maintained() -> dict[tuple[str, str, int], list[int]]:
    rows = db.session.scalars(select(ScoreDay)).all()
    return {
        (r.day.isoformat(), r.language, r.bin): [r.scored, r.approved, r.rejected]
        for r in rows
        if (r.scored, r.approved, r.rejected) != (0, 0, 0)
    }


def _expected_derived(comment: Comment) -> tuple[str | None, str | None, str | None]:
    top = max(comment.categories, key=comment.categories.__getitem__) if comment.categories else None
    codes = " " + " ".join(r["code"] for r in comment.reasons) + " " if comment.reasons else None
    standing = db.session.scalars(
        select(Verdict.action)
        .where(Verdict.comment_id == comment.id, Verdict.undone_at.is_(None))
        .order_by(Verdict.id.desc())
        .limit(1)
    ).first()
    return top, codes, standing


def _check(app: Flask) -> None:
    with app.app_context():
        assert _maintained() == _recount()
        for comment in db.session.scalars(select(Comment)):
            top, codes, action = _expected_derived(comment)
            assert comment.top_category == top, comment.id
            assert sorted((comment.reason_codes or "").split()) == sorted((codes or "").split()), comment.id
            assert comment.human_action == action, comment.id
        db.session.remove()


def _bulk_rows(count: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    now = utcnow()
    rows = []
    for n in range(count):
        abuse = rng.choice([0.5, rng.random()])  # ties with spam too: the first listed wins
        hours = rng.uniform(0, 24 * 9)
        if abs(hours - 24 * round(hours / 24)) < 0.05:
            hours += 0.1  # never within minutes of a window's start (a whole number of days ago)
        created = now - timedelta(hours=hours)
        rows.append(
            {
                "article_id": "a",
                "author_name": "R",
                "body": f"bulk {n}",
                "status": rng.choice(["published", "rejected", "pending"]),
                "language": rng.choice(["en", "ar", None]),
                "score": None if n % 13 == 0 else rng.random(),
                "categories": {"abuse": abuse, "spam": 1 - abuse} if n % 5 else {},
                "explanation": [],
                "reasons": [{"code": "duplicate"}, {"code": "score_high"}][: n % 3],
                "audit_sample": False,
                "excluded_from_training": False,
                "created_at": created,
                "updated_at": created,
            }
        )
    return rows


def test_maintained_values_equal_a_recount_after_every_kind_of_write(
    app: Flask, client: FlaskClient, tokens: Tokens
) -> None:
    set_policy(client, tokens, publish_below=0.0, reject_at=1.0, report_threshold=1)
    # Posts through the API (PostgreSQL: the one-statement insert), all waiting for a person.
    posted = [
        client.post("/api/v1/comments", json=good_comment(body=f"Comment {n} on the ferry timetable.")).get_json()["id"]
        for n in range(6)
    ]
    # Bulk inserts straight into the table, over several days.
    with app.app_context():
        db.session.execute(insert(Comment), _bulk_rows(120, seed=7))
        db.session.commit()
    _check(app)

    # Decisions, a second decision after a report, undos, and a score that changes after the fact.
    def decide(comment_id: int, action: str) -> None:
        body = {"action": action, "reason": "abuse" if action == "reject" else "acceptable"}
        response = client.post(f"/api/v1/comments/{comment_id}/decision", json=body, headers=tokens["moderator"])
        assert response.status_code == 200, response.get_json()

    decide(posted[0], "reject")
    decide(posted[1], "approve")
    decide(posted[2], "approve")
    assert client.post(f"/api/v1/comments/{posted[2]}/reports", json={"reason": "abuse"}).get_json()["accepted"]
    decide(posted[2], "reject")
    assert client.post(f"/api/v1/comments/{posted[0]}/undo", headers=tokens["admin"]).status_code == 200
    assert client.post(f"/api/v1/comments/{posted[2]}/undo", headers=tokens["admin"]).status_code == 200
    decide(posted[0], "approve")
    with app.app_context():
        db.session.execute(update(Comment).where(Comment.id == posted[1]).values(score=0.4237, language="ar"))
        db.session.execute(
            update(Comment).where(Comment.id == posted[3]).values(created_at=utcnow() - timedelta(days=3))
        )
        waiting = db.session.scalars(select(Comment.id).where(Comment.status == "pending").limit(20)).all()
        db.session.commit()
    for n, comment_id in enumerate(waiting):
        decide(comment_id, "reject" if n % 3 else "approve")
    _check(app)


def test_simulate_over_the_maintained_days_is_exact_from_a_mid_day_start(app: Flask) -> None:
    """A window that starts mid-day, thresholds on and off the grid, per language: the histogram equals the one
    built from the rows in the window themselves."""
    rows = _bulk_rows(400, seed=11)
    with app.app_context():
        db.session.execute(insert(Comment), rows)
        comments = db.session.scalars(select(Comment).where(Comment.score.is_not(None))).all()
        rng = random.Random(3)
        for comment in comments:
            for _ in range(rng.choice([0, 1, 1, 2])):
                db.session.add(
                    Verdict(comment_id=comment.id, moderator="m", action=rng.choice(["approve", "reject"]),
                            from_status="pending", to_status="published", score=comment.score,
                            created_at=comment.created_at + timedelta(minutes=5))
                )  # fmt: skip
        db.session.flush()
        undone = db.session.scalars(select(Verdict).order_by(Verdict.id).limit(40)).all()
        for verdict in undone[::3]:
            verdict.undone_at = utcnow()
        db.session.commit()
        verdicts = Counter(
            (v.comment_id, v.action == "reject")
            for v in db.session.scalars(select(Verdict).where(Verdict.undone_at.is_(None)))
        )
        for window_days in (1, 4, 7, 30):
            since = utcnow() - timedelta(days=window_days)
            for language in (None, "ar"):
                inside = [c for c in comments if c.created_at >= since and (language is None or c.language == language)]
                examples = [
                    Example(c.score, rejected)
                    for c in inside
                    for rejected in (False, True)
                    for _ in range(verdicts[(c.id, rejected)])
                ]
                for splits in ((0.4, 0.8), (0.4237, 0.81234)):
                    from_database, _ = history_histogram(window_days, language, splits=splits)
                    expected = ScoreHistogram.from_examples(examples, [c.score for c in inside], splits)
                    assert from_database.bins == expected.bins, (window_days, language, splits)
            db.session.rollback()
