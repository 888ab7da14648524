"""Threshold what-if against hand-computed examples, the recommendation, and the Wilson interval."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from service.policy import Thresholds, outcome
from service.simulate import Example, recommend, replay, wilson_interval
from service.status import Status

# (score, people rejected it?) — the hand-worked example of the tests below.
HISTORY = [
    (0.05, False),
    (0.15, False),
    (0.35, False),
    (0.45, True),
    (0.55, False),
    (0.65, True),
    (0.85, True),
    (0.95, False),
]
EXAMPLES = [Example(score, rejected) for score, rejected in HISTORY]
SCORES = [score for score, _ in HISTORY]


def test_replay_matches_the_hand_computed_outcomes() -> None:
    result = replay(EXAMPLES, SCORES, days=2, thresholds=Thresholds(0.4, 0.8))
    assert result["counts"] == {"published": 3, "pending": 3, "rejected": 2}
    assert result["rates"] == {"published": 0.375, "pending": 0.375, "rejected": 0.25}
    assert (result["wrongly_published"], result["wrongly_rejected"]) == (0, 1)
    assert result["wrongly_rejected_rate"] == 0.125
    assert result["queue_per_day"] == 1.5


def test_hold_band_queues_instead_of_rejecting() -> None:
    result = replay(EXAMPLES, SCORES, days=1, thresholds=Thresholds(0.5, 0.9, "hold"))
    assert result["counts"] == {"published": 4, "pending": 4, "rejected": 0}
    assert (result["wrongly_published"], result["wrongly_rejected"]) == (1, 0)


@pytest.mark.parametrize("high_band", ["reject", "hold"])
def test_replay_counts_what_the_outcome_rule_decides(high_band: str) -> None:
    thresholds = Thresholds(0.3, 0.6, high_band)
    result = replay(EXAMPLES, SCORES, days=1, thresholds=thresholds)
    decided = [outcome(example.score, thresholds) for example in EXAMPLES]
    assert result["counts"] == {str(s): decided.count(s) for s in (Status.PUBLISHED, Status.PENDING, Status.REJECTED)}
    assert result["queue_per_day"] == decided.count(Status.PENDING)


@pytest.mark.parametrize("high_band", ["reject", "hold"])
def test_recommendation_is_replayed_under_the_band_asked_about(high_band: str) -> None:
    examples = [Example(0.1, False), Example(0.5, True), Example(0.9, True), Example(0.95, False)]
    best = recommend(
        examples, [e.score for e in examples], days=1, capacity_per_day=10, cost_ratio=5, high_band=high_band
    )
    assert best is not None
    again = replay(
        examples, [e.score for e in examples], 1, Thresholds(best["publish_below"], best["reject_at"], high_band)
    )
    assert best["counts"] == again["counts"]
    if high_band == "hold":
        assert best["counts"]["rejected"] == 0 and best["wrongly_rejected"] == 0


def test_recommendation_respects_capacity_and_minimises_cost() -> None:
    examples = [Example(0.1, False), Example(0.5, True), Example(0.9, True)]
    best = recommend(examples, [0.1, 0.5, 0.9], days=1, capacity_per_day=0, cost_ratio=5)
    assert best is not None
    assert best["cost"] == 0 and best["queue_per_day"] == 0
    assert 0.1 < best["publish_below"] == best["reject_at"] <= 0.5


def test_wilson_interval_contains_the_rate_and_narrows_with_more_data() -> None:
    low, high = wilson_interval(1, 10)
    assert low < 0.1 < high
    low_many, high_many = wilson_interval(100, 1000)
    assert high_many - low_many < high - low
    assert wilson_interval(0, 0) == (0.0, 1.0)


def seed_history(app: Flask, created_days_ago: float = 0.5) -> None:
    from service.extensions import db
    from service.records import Comment, Verdict, utcnow

    with app.app_context():
        when = utcnow() - timedelta(days=created_days_ago)
        for score, rejected in HISTORY:
            status = "rejected" if rejected else "published"
            comment = Comment(
                article_id="a", author_name="R", author_email="r@example.org", body=f"c {score}", status=status,
                score=score, created_at=when, updated_at=when,
            )  # fmt: skip
            db.session.add(comment)
            db.session.flush()
            db.session.add(
                Verdict(
                    comment_id=comment.id,
                    moderator="m",
                    action="reject" if rejected else "approve",
                    from_status="pending",
                    to_status=status,
                    score=score,
                )  # fmt: skip
            )
        db.session.commit()


def test_simulate_endpoint_returns_the_hand_computed_numbers(
    app: Flask, client: FlaskClient, tokens: dict[str, dict[str, str]]
) -> None:
    seed_history(app)
    body: dict[str, Any] = {"publish_below": 0.4, "reject_at": 0.8, "high_band": "reject", "window_days": 2}
    result = client.post("/api/v1/policy/simulate", json=body, headers=tokens["admin"]).get_json()
    assert result["counts"] == {"published": 3, "pending": 3, "rejected": 2}
    assert result["wrongly_rejected_rate"] == 0.125 and result["wrongly_published_rate"] == 0.0
    assert result["queue_per_day"] == 1.5
    assert sum(result["histogram"]["approved"]) == 5 and sum(result["histogram"]["rejected"]) == 3
    assert result["histogram"]["rejected"][9] == 1  # 0.45 falls in the 0.45-0.50 bin
    assert result["recommended"] is None
    with_capacity = client.post(
        "/api/v1/policy/simulate", json={**body, "capacity_per_day": 1, "cost_ratio": 5}, headers=tokens["admin"]
    ).get_json()
    assert with_capacity["recommended"]["queue_per_day"] <= 1


def test_simulate_window_excludes_older_history(
    app: Flask, client: FlaskClient, tokens: dict[str, dict[str, str]]
) -> None:
    seed_history(app, created_days_ago=10)
    body = {"publish_below": 0.4, "reject_at": 0.8, "window_days": 7}
    assert client.post("/api/v1/policy/simulate", json=body, headers=tokens["admin"]).get_json()["decided"] == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"publish_below": 0.9, "reject_at": 0.1}, "reject_at"),
        ({"publish_below": -1, "reject_at": 0.5}, "publish_below"),
        ({"publish_below": 0.1, "reject_at": 0.5, "window_days": 0}, "window_days"),
        ({"reject_at": 0.5}, "publish_below"),
    ],
)
def test_simulate_rejects_bad_input(
    client: FlaskClient, tokens: dict[str, dict[str, str]], body: dict[str, Any], field: str
) -> None:
    response = client.post("/api/v1/policy/simulate", json=body, headers=tokens["admin"])
    assert response.status_code == 422 and field in response.get_json()["error"]["fields"]


def brute_force(examples: list[Example], scores: list[float], days: float, thresholds: Thresholds) -> dict[str, Any]:
    """The definition, one outcome call per comment: what the histogram must reproduce exactly."""
    decided = [(outcome(e.score, thresholds), e.rejected_by_people) for e in examples]
    return {
        "counts": {
            str(s): sum(1 for o, _ in decided if o == s) for s in (Status.PUBLISHED, Status.PENDING, Status.REJECTED)
        },
        "wrongly_published": sum(1 for o, r in decided if o == Status.PUBLISHED and r),
        "wrongly_rejected": sum(1 for o, r in decided if o == Status.REJECTED and not r),
        "queue_per_day": sum(1 for s in scores if outcome(s, thresholds) == Status.PENDING) / days,
    }


@pytest.mark.parametrize("high_band", ["reject", "hold"])
def test_histogram_is_exact_at_bin_edges_and_between_them(high_band: str) -> None:
    import random

    rng = random.Random(5)
    # Scores on every kind of edge (grid, bin, the float neighbours of both) and at random.
    edges = [i / 1000 for i in range(0, 1001, 7)] + [round(i * 0.05, 2) for i in range(21)]
    near = [math.nextafter(e, 2.0) for e in edges] + [math.nextafter(e, -1.0) for e in edges if e > 0]
    values = [v for v in edges + near + [rng.random() for _ in range(400)] if 0.0 <= v <= 1.0]
    examples = [Example(v, rng.random() < v) for v in values]
    scores = values + [rng.random() for _ in range(200)]
    pairs = [(0.4, 0.8), (0.05, 0.95), (0.35, 0.35), (0.4237, 0.81234), (0.1001, 0.1002), (0.0, 1.0)]
    for publish_below, reject_at in pairs:
        thresholds = Thresholds(publish_below, reject_at, high_band)
        result = replay(examples, scores, 3, thresholds)
        expected = brute_force(examples, scores, 3, thresholds)
        assert {key: result[key] for key in expected} == expected, (publish_below, reject_at)
    best = recommend(examples, scores, 3, capacity_per_day=60, cost_ratio=5, high_band=high_band)
    assert best is not None
    again = brute_force(examples, scores, 3, Thresholds(best["publish_below"], best["reject_at"], high_band))
    assert {key: best[key] for key in again} == again


def seed_languages(app: Flask) -> None:
    from service.extensions import db
    from service.records import Comment, Verdict, utcnow

    with app.app_context():
        when = utcnow() - timedelta(hours=6)
        for language, score, rejected in [("ar", 0.2, True), ("ar", 0.9, True), ("en", 0.3, False), ("en", 0.6, True)]:
            status = "rejected" if rejected else "published"
            comment = Comment(
                article_id="a", author_name="R", author_email="r@example.org", body=f"c {score}", status=status,
                language=language, score=score, created_at=when, updated_at=when,
            )  # fmt: skip
            db.session.add(comment)
            db.session.flush()
            action = "reject" if rejected else "approve"
            db.session.add(Verdict(comment_id=comment.id, moderator="m", action=action, from_status="pending",
                                   to_status=status, score=score))  # fmt: skip
        db.session.commit()


@pytest.mark.parametrize("high_band", ["reject", "hold"])
def test_simulate_one_language(
    app: Flask, client: FlaskClient, tokens: dict[str, dict[str, str]], high_band: str
) -> None:
    seed_languages(app)
    body: dict[str, Any] = {"publish_below": 0.5, "reject_at": 0.8, "high_band": high_band, "window_days": 1}
    arabic = client.post("/api/v1/policy/simulate", json={**body, "language": "ar"}, headers=tokens["admin"])
    result = arabic.get_json()
    rejected = 1 if high_band == "reject" else 0
    assert result["decided"] == 2
    assert result["counts"] == {"published": 1, "pending": 1 - rejected, "rejected": rejected}
    assert result["wrongly_published"] == 1 and result["wrongly_rejected"] == 0
    everyone = client.post("/api/v1/policy/simulate", json=body, headers=tokens["admin"]).get_json()
    assert everyone["decided"] == 4 and everyone["wrongly_published"] == 1


def test_the_database_bins_scores_as_python_does(app: Flask) -> None:
    from sqlalchemy import insert

    from service.extensions import db
    from service.records import Comment, utcnow
    from service.simulate import ScoreHistogram, history_histogram

    edges = [i / 1000 for i in range(1001)]
    values = edges + [math.nextafter(e, 2.0) for e in edges[:-1]] + [math.nextafter(e, -1.0) for e in edges[1:]]
    when = utcnow() - timedelta(hours=1)
    rows = [
        {"article_id": "a", "author_name": "R", "body": "b", "status": "published", "score": v, "categories": {},
         "explanation": [], "reasons": [], "audit_sample": False, "excluded_from_training": False,
         "created_at": when, "updated_at": when}
        for v in values
    ]  # fmt: skip
    splits = (0.4237, 0.5)
    with app.app_context():
        db.session.execute(insert(Comment), rows)
        db.session.commit()
        from_database, _ = history_histogram(1, splits=splits)
    expected = ScoreHistogram.from_examples([], values, splits)
    assert from_database.bins == expected.bins
