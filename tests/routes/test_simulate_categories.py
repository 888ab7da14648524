"""Simulate's `categories` section: what candidate category limits would have done to past decided comments."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

# (language, overall score, category scores, people rejected it?), decided six hours ago.
DECIDED = [
    ("en", 0.10, {"abuse": 0.10, "spam": 0.70}, True),
    ("en", 0.20, {"abuse": 0.60, "spam": 0.05}, True),
    ("en", 0.50, {"abuse": 0.90, "spam": 0.10}, True),
    ("en", 0.15, {"abuse": 0.55, "spam": 0.00}, False),
    ("ar", 0.10, {"abuse": 0.65, "spam": 0.02}, True),
    ("ar", 0.40, {"abuse": 0.20, "spam": 0.95}, False),
    ("ar", 0.05, {}, False),  # scored before the model had categories
]


def seed(app: Flask, days_ago: float = 0.25) -> None:
    from service.extensions import db
    from service.records import Comment, Verdict, utcnow

    with app.app_context():
        when = utcnow() - timedelta(days=days_ago)
        for language, score, categories, rejected in DECIDED:
            status = "rejected" if rejected else "published"
            comment = Comment(
                article_id="a", author_name="R", author_email="r@example.org", body=f"c {score}", status=status,
                language=language, score=score, categories=categories, created_at=when, updated_at=when,
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
                    created_at=when,
                )  # fmt: skip
            )
        db.session.commit()


def _simulate(client: FlaskClient, tokens: dict[str, dict[str, str]], **changes: Any) -> Any:
    body = {"publish_below": 0.3, "reject_at": 0.8, "window_days": 2, **changes}
    response = client.post("/api/v1/policy/simulate", json=body, headers=tokens["admin"])
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_category_limits_count_holds_rejects_and_what_people_decided(
    app: Flask, client: FlaskClient, tokens: dict[str, dict[str, str]]
) -> None:
    seed(app)
    result = _simulate(
        client, tokens, category_thresholds={"abuse": {"hold_at": 0.5, "reject_at": 0.85}, "spam": {"hold_at": 0.9}}
    )
    # abuse >= 0.85 rejects (0.90); 0.5 <= abuse < 0.85 holds (0.60, 0.55, 0.65); of the held, people rejected 0.60
    # and 0.65; the score alone (publish below 0.3) would have published all three held ones.
    assert result["categories"]["abuse"] == {
        "scored": 6,
        "held": 3,
        "held_rejected_by_people": 2,
        "rejected": 1,
        "rejected_rejected_by_people": 1,
        "published_by_score": 3,
    }
    assert result["categories"]["spam"] == {
        "scored": 6,
        "held": 1,
        "held_rejected_by_people": 0,
        "rejected": 0,
        "rejected_rejected_by_people": 0,
        "published_by_score": 0,
    }
    # The score replay itself is unchanged by category limits.
    assert result["decided"] == len(DECIDED)
    assert result["counts"] == _simulate(client, tokens)["counts"]


def test_category_effect_in_one_language(app: Flask, client: FlaskClient, tokens: dict[str, dict[str, str]]) -> None:
    seed(app)
    result = _simulate(client, tokens, language="ar", category_thresholds={"abuse": {"hold_at": 0.5}})
    assert result["decided"] == 3
    assert result["categories"]["abuse"]["scored"] == 2
    assert result["categories"]["abuse"]["held"] == 1 and result["categories"]["abuse"]["held_rejected_by_people"] == 1


def test_a_category_switched_off_does_nothing_and_old_decisions_fall_out_of_the_window(
    app: Flask, client: FlaskClient, tokens: dict[str, dict[str, str]]
) -> None:
    seed(app, days_ago=5)
    result = _simulate(client, tokens, category_thresholds={"abuse": {}, "threat": {"hold_at": 0.1}})
    assert result["categories"]["abuse"] == dict.fromkeys(result["categories"]["abuse"], 0)
    assert result["categories"]["threat"]["scored"] == 0
    assert (
        _simulate(client, tokens, window_days=7, category_thresholds={"abuse": {}})["categories"]["abuse"]["scored"]
        == len(DECIDED) - 1
    )


def test_without_category_limits_the_answer_has_no_categories_section(
    client: FlaskClient, tokens: dict[str, dict[str, str]]
) -> None:
    assert "categories" not in _simulate(client, tokens)


@pytest.mark.parametrize(
    "limits",
    [{"violence": {"hold_at": 0.5}}, {"abuse": {"hold_at": 1.5}}, {"abuse": {"hold_at": 0.6, "reject_at": 0.4}}],
)
def test_bad_category_limits_are_refused(
    client: FlaskClient, tokens: dict[str, dict[str, str]], limits: dict[str, Any]
) -> None:
    body = {"publish_below": 0.3, "reject_at": 0.8, "category_thresholds": limits}
    response = client.post("/api/v1/policy/simulate", json=body, headers=tokens["admin"])
    assert response.status_code == 422 and "category_thresholds" in response.get_json()["error"]["fields"]


def test_grouped_counts_match_the_limit_rule_comment_by_comment(app: Flask) -> None:
    import random

    from service.extensions import db
    from service.policy import CategoryLimit, Thresholds, outcome
    from service.records import Comment, Verdict, utcnow
    from service.simulate import category_effect
    from service.status import Status

    rng = random.Random(17)
    # Values on the limits and thresholds themselves as well as between them.
    grid = [0.0, 0.1, 0.3, 0.42, 0.55, 0.7, 0.8, 0.85, 1.0]
    rows = [
        (rng.choice(grid + [rng.random()]), rng.choice(grid + [rng.random()]), rng.random() < 0.5) for _ in range(80)
    ]
    limit, thresholds = CategoryLimit(0.42, 0.85), Thresholds(0.3, 0.8)
    with app.app_context():
        when = utcnow() - timedelta(hours=1)
        for abuse, score, rejected in rows:
            comment = Comment(article_id="a", author_name="R", author_email="r@example.org", body="c",
                              status="published", score=score, categories={"abuse": abuse}, created_at=when,
                              updated_at=when)  # fmt: skip
            db.session.add(comment)
            db.session.flush()
            action = "reject" if rejected else "approve"
            db.session.add(Verdict(comment_id=comment.id, moderator="m", action=action, from_status="pending",
                                   to_status="published", score=score, created_at=when))  # fmt: skip
        db.session.commit()
        found = category_effect({"abuse": {"hold_at": 0.42, "reject_at": 0.85}}, 1, None, thresholds)["abuse"]
        db.session.remove()
    statuses = [(limit.status(abuse), score, rejected) for abuse, score, rejected in rows]
    held = [(s, r) for status, s, r in statuses if status == Status.PENDING]
    rejected_ = [(s, r) for status, s, r in statuses if status == Status.REJECTED]
    assert found == {
        "scored": len(rows),
        "held": len(held),
        "held_rejected_by_people": sum(r for _, r in held),
        "rejected": len(rejected_),
        "rejected_rejected_by_people": sum(r for _, r in rejected_),
        "published_by_score": sum(outcome(s, thresholds) == Status.PUBLISHED for s, _ in held + rejected_),
    }
