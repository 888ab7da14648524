"""Training input is bounded: a stratified, newest-first sample of the site's standing decisions."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import insert

from service import learning
from service.extensions import db
from service.records import Comment, Verdict, utcnow


def test_stratified_newest_keeps_label_shares_and_the_newest() -> None:
    decisions = [(verdict_id, verdict_id, verdict_id % 4 == 0) for verdict_id in range(1, 1001)]
    chosen = learning.stratified_newest(decisions, 100)
    assert len(chosen) == 100
    rejected = [v for v in chosen if v % 4 == 0]
    assert len(rejected) == 25
    assert min(rejected) == 904 and min(v for v in chosen if v % 4) == 901
    assert learning.stratified_newest(decisions[:50], 100) == list(range(1, 51))


def test_bounded_site_examples_respect_the_caps_and_undo(app: Flask) -> None:
    now = utcnow()
    with app.app_context():
        comments = [
            {"id": n, "article_id": "a", "author_name": "R", "body": f"comment {n}", "status": "published",
             "categories": {}, "explanation": [], "reasons": [], "audit_sample": False,
             "excluded_from_training": n == 7, "created_at": now, "updated_at": now}
            for n in range(1, 201)
        ]  # fmt: skip
        db.session.execute(insert(Comment), comments)
        verdicts = [
            {"comment_id": n, "moderator": "m", "action": "reject" if n % 3 == 0 else "approve",
             "from_status": "pending", "to_status": "published", "audit_sample": False, "created_at": now,
             "undone_at": now if n == 8 else None}
            for n in range(1, 201)
        ]  # fmt: skip
        db.session.execute(insert(Verdict), verdicts)
        db.session.commit()
        training, holdout = learning.bounded_site_examples(training_cap=30, holdout_cap=10)
    assert len(training) == 30 and len(holdout) == 10
    assert all(not learning.is_holdout(e.comment_id) for e in training)
    assert all(learning.is_holdout(e.comment_id) for e in holdout)
    assert {7, 8}.isdisjoint(e.comment_id for e in training)
    assert sum(e.label for e in training) == 10  # a third were rejected, and the sample keeps that share
    assert min(e.comment_id for e in training) > 150  # the newest decisions
    assert training[0].text == f"comment {training[0].comment_id}"
