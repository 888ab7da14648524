"""The queue is exact past 5,000 waiting: totals, counts, filters and every order are the database's, at any depth."""

from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import insert

from service.extensions import db
from service.records import Comment, utcnow
from tests.pages.helpers import bearer_secret, sign_in

Tokens = dict[str, dict[str, str]]
WAITING = 6200


def _rows(count: int) -> list[dict[str, Any]]:
    """Waiting comments, oldest first; the highest scores and the borderline ones are the newest."""
    rng = random.Random(16)
    start = utcnow() - timedelta(days=3)
    rows = []
    for n in range(count):
        score = None if n % 97 == 0 else round(rng.random(), 4)
        reasons = [{"code": "duplicate"}] if n % 7 == 0 else []
        if score is not None and score >= 0.8:
            reasons.append({"code": "score_high"})
        abuse = rng.random()
        rows.append(
            {
                "article_id": f"a{n % 5}",
                "author_name": "R",
                "author_email": f"r{n}@example.org",
                "body": f"comment {n}",
                "status": "reported" if n % 11 == 0 else "pending",
                "language": "ar" if n % 4 == 0 else "en",
                "score": score,
                "categories": {"abuse": abuse, "spam": 1 - abuse} if score is not None else {},
                "explanation": [],
                "reasons": reasons,
                "audit_sample": False,
                "excluded_from_training": False,
                "created_at": start + timedelta(seconds=30 * n),
                "updated_at": start + timedelta(seconds=30 * n),
            }
        )
    # The newest comment has the top score: ordering only the oldest 5,000 would never show it first.
    rows[-1]["score"] = 0.9999
    return rows


def _seed(app: Flask) -> list[dict[str, Any]]:
    rows = _rows(WAITING)
    with app.app_context():
        db.session.execute(insert(Comment), rows)
        db.session.commit()
    return rows


def _get(client: FlaskClient, tokens: Tokens, **params: Any) -> dict[str, Any]:
    response = client.get("/api/v1/queue", query_string=params, headers=tokens["moderator"])
    assert response.status_code == 200, response.get_json()
    result: dict[str, Any] = response.get_json()
    return result


def test_totals_counts_and_filters_are_exact_past_5000(app: Flask, client: FlaskClient, tokens: Tokens) -> None:
    rows = _seed(app)
    statuses = Counter(r["status"] for r in rows)
    assert _get(client, tokens, limit=1)["total"] == WAITING
    assert _get(client, tokens, status="pending", limit=1)["total"] == statuses["pending"]
    duplicates = sum(1 for r in rows if {"code": "duplicate"} in r["reasons"])
    assert _get(client, tokens, reason="duplicate", limit=1)["total"] == duplicates
    high = sum(1 for r in rows if {"code": "score_high"} in r["reasons"])
    assert _get(client, tokens, reason="score_high", limit=1)["total"] == high
    spam_top = sum(1 for r in rows if r["categories"] and r["categories"]["spam"] > r["categories"]["abuse"])
    assert _get(client, tokens, category="spam", limit=1)["total"] == spam_top
    arabic = [r for r in rows if r["language"] == "ar"]
    assert _get(client, tokens, language="ar", limit=1)["total"] == len(arabic)

    sign_in(client, bearer_secret(tokens["moderator"]))
    counts = client.get("/moderate/counts.json").get_json()
    assert counts == {"pending": statuses["pending"], "reported": statuses["reported"], "total": WAITING}
    arabic_counts = client.get("/moderate/counts.json?language=ar").get_json()
    assert arabic_counts["total"] == len(arabic)
    assert arabic_counts["reported"] == sum(1 for r in arabic if r["status"] == "reported")


def test_every_order_ranks_the_whole_queue(app: Flask, client: FlaskClient, tokens: Tokens) -> None:
    rows = _seed(app)
    by_score = _get(client, tokens, order="score", limit=5)["items"]
    # Unscored first (they wait for a person whatever happens), then the highest score, which is the newest item.
    unscored = sum(1 for r in rows if r["score"] is None)
    assert [item["score"] for item in by_score][: min(unscored, 5)] == [None] * min(unscored, 5)
    page = _get(client, tokens, order="score", limit=1, offset=unscored)["items"]
    assert page[0]["body"] == rows[-1]["body"]

    oldest = _get(client, tokens, order="oldest", limit=3, offset=WAITING - 3)["items"]
    assert [item["body"] for item in oldest] == [r["body"] for r in rows[-3:]]

    arabic_by_score = _get(client, tokens, order="score", language="ar", limit=200)["items"]
    scores = [2.0 if item["score"] is None else item["score"] for item in arabic_by_score]
    assert scores == sorted(scores, reverse=True)
    assert all(item["body"] in {r["body"] for r in rows if r["language"] == "ar"} for item in arabic_by_score)


def test_priority_order_is_computed_over_the_whole_queue(app: Flask, client: FlaskClient, tokens: Tokens) -> None:
    from service import queue
    from service.policy import current_policy

    rows = _seed(app)
    first = _get(client, tokens, order="priority", limit=20)["items"]
    with app.app_context():
        policy = current_policy(app.config["MODERATO"]["policy"])
        everything = list(db.session.scalars(db.select(Comment)))
        now = utcnow()
        ranked = sorted(everything, key=lambda c: -queue.priority(c, policy, now))
    # The database's ranking agrees with the Python definition (up to the seconds between the two clocks).
    expected = {c.body for c in ranked[:40]}
    assert {item["body"] for item in first[:10]} <= expected
    assert len(rows) > 5000 and max(r["created_at"] for r in rows) > min(r["created_at"] for r in rows)
