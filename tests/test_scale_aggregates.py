"""What the database maintains (migrations 0007 and 0008) always equals a recount from the rows, whatever the write
path: posts through the API, bulk inserts, decisions, undos, reports, score changes, erasure, deletes; simulate over
it stays exact across a window that starts mid-day, and the shadow report from the cells equals the one counted from
the comments, on and off the grid."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, insert, select, update

from service import learning
from service.extensions import db
from service.policy import Thresholds, outcome
from service.records import Comment, ScoreDay, ShadowCell, Verdict, utcnow
from service.simulate import Example, ScoreHistogram, bin_index, history_histogram
from service.status import Status
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


def _shadow_recount() -> dict[tuple[str, int, int, str], int]:
    """shadow_cell by definition: every comment both models scored, by shadow version, both score bins and its
    standing human action ('' for none or an erased author's)."""
    counts: Counter[tuple[str, int, int, str]] = Counter()
    for c in db.session.scalars(select(Comment).where(Comment.shadow_model_version.is_not(None))):
        if c.score is not None and c.shadow_score is not None:
            action = "" if c.excluded_from_training else (c.human_action or "")
            counts[(c.shadow_model_version, learning.cell_bin(c.score), learning.cell_bin(c.shadow_score), action)] += 1
    return dict(counts)


def _shadow_maintained() -> dict[tuple[str, int, int, str], int]:
    return {
        (r.shadow_model_version, r.active_bin, r.shadow_bin, r.action): r.comments
        for r in db.session.scalars(select(ShadowCell))
        if r.comments
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
        assert _shadow_maintained() == _shadow_recount()
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
        shadowed = n % 4 != 0
        rows.append(
            {
                "article_id": "a",
                "author_name": "R",
                "body": f"bulk {n}",
                "status": rng.choice(["published", "rejected", "pending"]),
                "language": rng.choice(["en", "ar", None]),
                "score": None if n % 13 == 0 else rng.choice([rng.random(), round(rng.random(), 2)]),
                "shadow_score": rng.choice([rng.random(), round(rng.random(), 2), None]) if shadowed else None,
                "shadow_model_version": rng.choice(["shadow-1", "shadow-2"]) if shadowed else None,
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

    # The shadow model's score arriving later, a version changed, an author erased (excluded), a comment deleted.
    with app.app_context():
        decided = db.session.scalars(
            select(Comment.id).where(Comment.human_action.is_not(None), Comment.shadow_model_version.is_not(None))
        ).all()
        late = {"shadow_score": 0.37, "shadow_model_version": "shadow-1"}
        db.session.execute(update(Comment).where(Comment.id == posted[0]).values(**late))
        db.session.execute(update(Comment).where(Comment.id.in_(decided[:3])).values(excluded_from_training=True))
        db.session.execute(update(Comment).where(Comment.id == decided[3]).values(shadow_model_version="shadow-2"))
        db.session.execute(update(Comment).where(Comment.id == decided[4]).values(shadow_score=None))
        undecided = db.session.scalars(
            select(Comment.id).where(Comment.human_action.is_(None), Comment.shadow_model_version.is_not(None),
                                     Comment.id.not_in(posted))
        ).first()  # fmt: skip
        db.session.execute(delete(Comment).where(Comment.id == undecided))
        db.session.commit()
        assert _shadow_maintained() == _shadow_recount()
        db.session.remove()


def _report_from_rows(version: str, thresholds: Thresholds) -> tuple[int, int, int, dict[str, dict[str, int]]]:
    """The shadow report's counts by definition, comment by comment with the outcome rule."""
    scored = agree = decided = 0
    errors = {name: {"wrongly_published": 0, "wrongly_rejected": 0} for name in ("active", "shadow")}
    for c in db.session.scalars(select(Comment).where(Comment.shadow_model_version == version)):
        if c.score is None or c.shadow_score is None:
            continue
        results = {"active": outcome(c.score, thresholds), "shadow": outcome(c.shadow_score, thresholds)}
        scored += 1
        agree += results["active"] == results["shadow"]
        action = None if c.excluded_from_training else c.human_action
        if action is None:
            continue
        decided += 1
        for name, result in results.items():
            errors[name]["wrongly_published"] += result == Status.PUBLISHED and action == "reject"
            errors[name]["wrongly_rejected"] += result == Status.REJECTED and action != "reject"
    return scored, agree, decided, errors


def test_shadow_report_from_the_cells_equals_the_count_from_the_comments(app: Flask) -> None:
    """Thresholds on the 1/100 grid read shadow_cell, others the comments; both equal the definition, with scores
    exactly on a threshold (0.29 * 100 rounds below 29 in floating point)."""
    rows = _bulk_rows(300, seed=5)
    rng = random.Random(9)
    for row in rows[:40]:
        row["score"], row["shadow_score"], row["shadow_model_version"] = rng.choice([0.29, 0.8, 0.1]), 0.29, "shadow-1"
    with app.app_context():
        db.session.execute(insert(Comment), rows)
        for comment in db.session.scalars(select(Comment).where(Comment.id % 3 == 0)):
            db.session.add(
                Verdict(comment_id=comment.id, moderator="m", action=rng.choice(["approve", "reject"]),
                        from_status="pending", to_status="published", score=comment.score, created_at=utcnow())
            )  # fmt: skip
        db.session.flush()
        db.session.execute(update(Comment).where(Comment.id % 7 == 0).values(excluded_from_training=True))
        db.session.commit()
        reports = 0
        for version in ("shadow-1", "shadow-2"):
            for edges in ((0.29, 0.8), (0.1, 0.8), (0.29, 0.29), (0.2937, 0.81234), (0.29, 0.805)):
                for high_band in ("reject", "hold"):
                    thresholds = Thresholds(*edges, high_band)
                    report = learning.shadow_report(version, thresholds)
                    scored, agree, decided, errors = _report_from_rows(version, thresholds)
                    assert report["scored_by_both"] == scored and scored > 0
                    assert report["agreement"] == agree / scored, (version, edges)
                    assert report["decided_since"] == decided and decided > 0
                    assert report["errors"] == errors, (version, edges, high_band)
                    reports += 1
        assert reports == 20


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
