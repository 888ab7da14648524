"""Threshold what-if: replay candidate thresholds over past scored comments that people decided, and recommend."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from service.extensions import db
from service.policy import Thresholds, outcome
from service.records import Comment, Verdict, utcnow
from service.status import Status

GRID_STEP = 0.05


@dataclass(frozen=True)
class Example:
    """A past comment's score and what people decided (True = they held/rejected it)."""

    score: float
    rejected_by_people: bool


def replay(
    examples: Sequence[Example], all_scores: Sequence[float], days: float, thresholds: Thresholds
) -> dict[str, Any]:
    """Counts and rates per outcome, errors against people's decisions, and the projected queue per day."""
    counts = {str(s): 0 for s in (Status.PUBLISHED, Status.PENDING, Status.REJECTED)}
    wrongly_published = wrongly_rejected = 0
    for example in examples:
        result = outcome(example.score, thresholds)
        counts[str(result)] += 1
        wrongly_published += result == Status.PUBLISHED and example.rejected_by_people
        wrongly_rejected += result == Status.REJECTED and not example.rejected_by_people
    total = len(examples)
    queued = sum(outcome(s, thresholds) == Status.PENDING for s in all_scores)
    return {
        "publish_below": thresholds.publish_below,
        "reject_at": thresholds.reject_at,
        "decided": total,
        "counts": counts,
        "rates": {key: (value / total if total else 0.0) for key, value in counts.items()},
        "wrongly_published": wrongly_published,
        "wrongly_rejected": wrongly_rejected,
        "wrongly_published_rate": wrongly_published / total if total else 0.0,
        "wrongly_rejected_rate": wrongly_rejected / total if total else 0.0,
        "queue_per_day": queued / days if days else 0.0,
    }


def recommend(
    examples: Sequence[Example],
    all_scores: Sequence[float],
    days: float,
    capacity_per_day: float,
    cost_ratio: float,
    high_band: str = "reject",
) -> dict[str, Any] | None:
    """The threshold pair of least cost (cost_ratio x wrong publishes + wrong rejects) whose queue fits capacity,
    under the high-band treatment asked about (a held high band adds to the queue and rejects nothing)."""
    grid = [round(i * GRID_STEP, 2) for i in range(int(1 / GRID_STEP) + 1)]
    best: tuple[float, float, dict[str, Any]] | None = None
    for publish_below in grid:
        for reject_at in grid:
            if reject_at < publish_below:
                continue
            result = replay(examples, all_scores, days, Thresholds(publish_below, reject_at, high_band))
            if result["queue_per_day"] > capacity_per_day:
                continue
            cost = cost_ratio * result["wrongly_published"] + result["wrongly_rejected"]
            # Ties go to the pair that asks people for less work.
            key = (cost, result["queue_per_day"])
            if best is None or key < (best[0], best[1]):
                best = (cost, result["queue_per_day"], result)
    if best is None:
        return None
    return {**best[2], "cost": best[0]}


def history(window_days: int) -> tuple[list[Example], list[float], float]:
    """Decided examples and all scores of the last `window_days` days (undone decisions excluded)."""
    since = utcnow() - timedelta(days=window_days)
    decided = db.session.execute(
        select(Comment.score, Verdict.action)
        .join(Verdict, Verdict.comment_id == Comment.id)
        .where(Comment.score.is_not(None), Verdict.undone_at.is_(None), Comment.created_at >= since)
        .order_by(Verdict.id)
    ).all()
    examples = [Example(score=float(score or 0.0), rejected_by_people=action == "reject") for score, action in decided]
    scores = [
        float(s or 0.0)
        for s in db.session.scalars(
            select(Comment.score).where(Comment.score.is_not(None), Comment.created_at >= since)
        )
    ]
    return examples, scores, float(window_days)


def wilson_interval(errors: int, total: int, z: float = 1.96) -> tuple[float, float]:
    """95% Wilson score interval of an error rate; honest for small samples and rates near zero."""
    if total == 0:
        return 0.0, 1.0
    p = errors / total
    denominator = 1 + z * z / total
    centre = (p + z * z / (2 * total)) / denominator
    margin = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / denominator
    return max(0.0, centre - margin), min(1.0, centre + margin)


def automatic_error_rate() -> dict[str, Any]:
    """How often blind audit samples were overturned by people, with a 95% confidence interval."""
    rows = db.session.execute(
        select(Verdict.automatic_status, Verdict.to_status).where(
            Verdict.audit_sample.is_(True), Verdict.undone_at.is_(None)
        )
    ).all()
    overturned = sum(1 for automatic, human in rows if automatic != human)
    low, high = wilson_interval(overturned, len(rows))
    return {
        "sampled_and_decided": len(rows),
        "overturned": overturned,
        "error_rate": overturned / len(rows) if rows else None,
        "confidence_interval_95": [low, high],
    }


def histogram(examples: Sequence[Example], bins: int = 20) -> dict[str, list[int]]:
    """Score distribution split by people's decision, for the admin chart."""
    approved, rejected = [0] * bins, [0] * bins
    for example in examples:
        index = min(int(example.score * bins), bins - 1)
        (rejected if example.rejected_by_people else approved)[index] += 1
    return {"approved": approved, "rejected": rejected}


def simulate(
    publish_below: float,
    reject_at: float,
    high_band: str,
    window_days: int,
    capacity_per_day: float | None,
    cost_ratio: float,
) -> dict[str, Any]:
    """The what-if for candidate thresholds, the score histogram, and a recommendation when capacity is given."""
    examples, scores, days = history(window_days)
    result = replay(examples, scores, days, Thresholds(publish_below, reject_at, high_band))
    result["cost"] = cost_ratio * result["wrongly_published"] + result["wrongly_rejected"]
    result["window_days"] = window_days
    result["histogram"] = histogram(examples)
    result["recommended"] = (
        recommend(examples, scores, days, capacity_per_day, cost_ratio, high_band)
        if capacity_per_day is not None
        else None
    )
    return result
