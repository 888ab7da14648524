"""Threshold what-if against hand-computed examples, the recommendation, and the Wilson interval."""

from __future__ import annotations

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
