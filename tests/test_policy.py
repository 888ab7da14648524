"""The outcome rule of DESIGN.md as a table: (score, thresholds, high band) -> status and reason."""

from __future__ import annotations

import pytest

from service.policy import Policy, decide
from service.status import Status

BASE = {
    "publish_below": 0.3,
    "reject_at": 0.8,
    "high_band": "reject",
    "banned_terms": [],
    "suspect_terms": [],
    "max_links": 2,
    "new_author_hold": 0,
    "report_threshold": 3,
    "audit_sample_rate": 0.0,
    "premoderated_articles": [],
    "closed_articles": [],
}


@pytest.mark.parametrize(
    ("score", "high_band", "status", "reason"),
    [
        (0.0, "reject", Status.PUBLISHED, None),
        (0.2999, "reject", Status.PUBLISHED, None),
        (0.3, "reject", Status.PENDING, "score_borderline"),
        (0.7999, "reject", Status.PENDING, "score_borderline"),
        (0.8, "reject", Status.REJECTED, "score_high"),
        (1.0, "reject", Status.REJECTED, "score_high"),
        (0.8, "hold", Status.PENDING, "score_high"),
        (None, "reject", Status.PENDING, "unscored"),
    ],
)
def test_outcome_rule(score: float | None, high_band: str, status: Status, reason: str | None) -> None:
    policy = Policy.from_document(1, {**BASE, "high_band": high_band})
    decided, reasons = decide(score, policy)
    assert decided == status
    assert [r["code"] for r in reasons] == ([reason] if reason else [])


def test_unscored_is_never_published_even_with_publish_everything() -> None:
    policy = Policy.from_document(1, {**BASE, "publish_below": 1.0, "reject_at": 1.0})
    assert decide(None, policy)[0] == Status.PENDING
