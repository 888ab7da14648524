"""Threshold what-if: replay candidate thresholds over past scored comments that people decided, and recommend."""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import Integer, and_, case, cast, false, func, or_, select, text
from sqlalchemy.exc import OperationalError

from service.errors import ServiceUnavailable
from service.extensions import db
from service.policy import Band, CategoryLimit, Thresholds, outcome
from service.records import Comment, ScoreDay, Verdict, utcnow
from service.status import Status

GRID_STEP = 0.05
# Scores are binned on a grid of 1/RESOLUTION: every grid threshold (a multiple of GRID_STEP) is a bin edge, so each
# bin lies wholly on one side of it and one outcome per bin is exact. A threshold between edges (a slider value like
# 0.4237) gets an edge of its own: its bin is split at the threshold, so the asked-for pair is exact too.
RESOLUTION = 1000
# PostgreSQL stops a simulation query after this long, so an admin's what-if never holds a worker or a reader back.
STATEMENT_TIMEOUT_MS = 5000


@dataclass(frozen=True)
class Example:
    """A past comment's score and what people decided (True = they held/rejected it)."""

    score: float
    rejected_by_people: bool


def bin_index(score: float) -> int:
    """The grid bin of a score: edge(i) <= score < edge(i + 1), exactly, whatever the rounding of score * RESOLUTION."""
    index = math.floor(score * RESOLUTION)
    if score < _edge(index):
        index -= 1
    elif score >= _edge(index + 1):
        index += 1
    return index


def _edge(index: int) -> float:
    return index / RESOLUTION


def _on_grid(threshold: float) -> bool:
    return _edge(bin_index(threshold)) == threshold


@dataclass
class ScoreHistogram:
    """Scores bucketed once: per bin (lower edge), how many people approved, rejected, and how many were scored at all.

    Every threshold pair is then arithmetic on the bins: `policy.outcome` of a bin's lower edge is the outcome of every
    score in it, as long as the thresholds are edges (grid values, or the extra edges `split` added)."""

    splits: tuple[float, ...] = ()
    bins: dict[tuple[int, float], list[int]] = field(default_factory=dict)

    def lower_edge(self, index: int, above_split: Sequence[bool]) -> tuple[int, float]:
        """The key of a score's bin: its grid bin, cut at every split threshold the score is at or above."""
        lower = _edge(index)
        for threshold, above in zip(self.splits, above_split, strict=True):
            if above and threshold > lower:
                lower = threshold
        return index, lower

    def add(self, key: tuple[int, float], approved: int = 0, rejected: int = 0, scored: int = 0) -> None:
        counts = self.bins.setdefault(key, [0, 0, 0])
        counts[0] += approved
        counts[1] += rejected
        counts[2] += scored

    @classmethod
    def from_examples(
        cls, examples: Sequence[Example], all_scores: Sequence[float], splits: Sequence[float] = ()
    ) -> ScoreHistogram:
        """The histogram of in-memory examples (what `history` would aggregate in SQL)."""
        histogram = cls(splits=tuple(t for t in dict.fromkeys(splits) if not _on_grid(t)))
        for example in examples:
            key = histogram.lower_edge(bin_index(example.score), [example.score >= t for t in histogram.splits])
            histogram.add(key, approved=int(not example.rejected_by_people), rejected=int(example.rejected_by_people))
        for score in all_scores:
            histogram.add(histogram.lower_edge(bin_index(score), [score >= t for t in histogram.splits]), scored=1)
        return histogram

    def prepared(self) -> _Prepared:
        return _Prepared(self)


class _Prepared:
    """Sorted edges and running totals of a histogram, for constant-time sums over any range of bins."""

    def __init__(self, histogram: ScoreHistogram) -> None:
        keys = sorted(histogram.bins)
        self.edges = [edge for _, edge in keys]
        self.totals: list[list[int]] = [[0, 0, 0]]
        for key in keys:
            last, counts = self.totals[-1], histogram.bins[key]
            self.totals.append([last[i] + counts[i] for i in range(3)])

    def between(self, start: int, stop: int) -> list[int]:
        return [self.totals[stop][i] - self.totals[start][i] for i in range(3)]

    def replay(self, days: float, thresholds: Thresholds) -> dict[str, Any]:
        """`replay` on the histogram: the bins fall into the three bands in order (bands are monotone in the score);
        each run of bins takes `policy.outcome` of its first edge."""
        edges = self.edges
        low_end = bisect.bisect_left(edges, True, key=lambda e: thresholds.band(e) is not Band.LOW)
        high_start = bisect.bisect_left(edges, True, key=lambda e: thresholds.band(e) is Band.HIGH)
        counts = {str(s): 0 for s in (Status.PUBLISHED, Status.PENDING, Status.REJECTED)}
        wrongly_published = wrongly_rejected = queued = 0
        for start, stop in ((0, low_end), (low_end, high_start), (high_start, len(edges))):
            if start >= stop:
                continue
            result = outcome(edges[start], thresholds)
            approved, rejected, scored = self.between(start, stop)
            counts[str(result)] += approved + rejected
            if result == Status.PUBLISHED:
                wrongly_published += rejected
            elif result == Status.REJECTED:
                wrongly_rejected += approved
            else:
                queued += scored
        total = self.totals[-1][0] + self.totals[-1][1]
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
        self, days: float, capacity_per_day: float, cost_ratio: float, high_band: str
    ) -> dict[str, Any] | None:
        grid = [round(i * GRID_STEP, 2) for i in range(int(1 / GRID_STEP) + 1)]
        best: tuple[float, float, dict[str, Any]] | None = None
        for publish_below in grid:
            for reject_at in grid:
                if reject_at < publish_below:
                    continue
                result = self.replay(days, Thresholds(publish_below, reject_at, high_band))
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

    def chart(self, histogram: ScoreHistogram, bins: int = 20) -> dict[str, list[int]]:
        """Score distribution split by people's decision, for the admin chart."""
        approved, rejected = [0] * bins, [0] * bins
        per_chart_bin = RESOLUTION // bins
        for (index, _), counts in histogram.bins.items():
            slot = min(max(index // per_chart_bin, 0), bins - 1)
            approved[slot] += counts[0]
            rejected[slot] += counts[1]
        return {"approved": approved, "rejected": rejected}


def replay(
    examples: Sequence[Example], all_scores: Sequence[float], days: float, thresholds: Thresholds
) -> dict[str, Any]:
    """Counts and rates per outcome, errors against people's decisions, and the projected queue per day."""
    splits = (thresholds.publish_below, thresholds.reject_at)
    return ScoreHistogram.from_examples(examples, all_scores, splits).prepared().replay(days, thresholds)


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
    prepared = ScoreHistogram.from_examples(examples, all_scores).prepared()
    return prepared.recommend(days, capacity_per_day, cost_ratio, high_band)


def _bin_expression(dialect: str) -> Any:
    """bin_index in SQL: the truncated product, corrected by one where its rounding crossed an edge."""
    product = Comment.score * RESOLUTION
    raw: Any = func.floor(product) if dialect == "postgresql" else cast(product, Integer)
    return (
        raw
        - case((Comment.score < raw / float(RESOLUTION), 1), else_=0)
        + case((Comment.score >= (raw + 1) / float(RESOLUTION), 1), else_=0)
    )


def _raw_counts(window: list[Any], histogram: ScoreHistogram, dialect: str, since: datetime | None = None) -> None:
    """Add the comments matching `window` to the histogram from the comment and verdict rows themselves; `since`
    prunes the verdicts by their own created_at (a decision is never older than its comment) when the window's
    comments are many."""
    index = _bin_expression(dialect).label("bin")
    above = [(Comment.score >= threshold).label(f"above_{n}") for n, threshold in enumerate(histogram.splits)]
    scored = db.session.execute(select(index, *above, func.count()).where(*window).group_by(index, *above)).all()
    rejected = (Verdict.action == "reject").label("rejected")
    pruned = [Verdict.created_at >= since] if since is not None else []
    decided = db.session.execute(
        select(index, *above, rejected, func.count())
        .join(Verdict, Verdict.comment_id == Comment.id)
        .where(*window, *pruned, Verdict.undone_at.is_(None))
        .group_by(index, *above, rejected)
    ).all()
    for row in scored:
        histogram.add(histogram.lower_edge(int(row[0]), [bool(v) for v in row[1:-1]]), scored=int(row[-1]))
    for row in decided:
        key = histogram.lower_edge(int(row[0]), [bool(v) for v in row[1:-2]])
        if row[-2]:
            histogram.add(key, rejected=int(row[-1]))
        else:
            histogram.add(key, approved=int(row[-1]))


def history_histogram(
    window_days: int, language: str | None = None, splits: Sequence[float] = ()
) -> tuple[ScoreHistogram, float]:
    """The last `window_days` days' scores by bin (all scored comments; those people decided, by decision), undone
    decisions excluded; in one language when given.

    The whole days after the window's first are summed from `score_day` (kept by the database at every insert,
    verdict and undo): at most days x bins rows. The window's first, partial day and the bins a threshold off the
    grid splits (at most two) are counted from the rows themselves, so the result is exact."""
    histogram = ScoreHistogram(splits=tuple(t for t in dict.fromkeys(splits) if not _on_grid(t)))
    since = utcnow() - timedelta(days=window_days)
    first_whole_day = since.astimezone(UTC).date() + timedelta(days=1)
    boundary = datetime.combine(first_whole_day, time(), UTC)
    split_bins = sorted({bin_index(threshold) for threshold in histogram.splits})
    dialect = str(db.session.get_bind().dialect.name)
    if dialect == "postgresql":
        db.session.execute(text(f"SET LOCAL statement_timeout = {int(STATEMENT_TIMEOUT_MS)}"))
        # Each query reads a few thousand index entries or summed rows: starting parallel workers costs more.
        db.session.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))
    window = [Comment.score.is_not(None), Comment.created_at >= since]
    days = [ScoreDay.day >= first_whole_day]
    if split_bins:
        days.append(ScoreDay.bin.not_in(split_bins))
    if language:
        window.append(Comment.language == language)
        days.append(ScoreDay.language == language)
    in_split_bin = or_(false(), *(and_(Comment.score >= _edge(b), Comment.score < _edge(b + 1)) for b in split_bins))
    try:
        # Whole days, split bins left out.
        sums = db.session.execute(
            select(ScoreDay.bin, func.sum(ScoreDay.scored), func.sum(ScoreDay.approved), func.sum(ScoreDay.rejected))
            .where(*days)
            .group_by(ScoreDay.bin)
        ).all()
        # The first, partial day, split bins left out.
        first_day = [*window, Comment.created_at < boundary]
        _raw_counts([*first_day, ~in_split_bin] if split_bins else first_day, histogram, dialect)
        # The split bins over the whole window.
        if split_bins:
            _raw_counts([*window, in_split_bin], histogram, dialect, since)
    except OperationalError as exc:
        db.session.rollback()
        raise ServiceUnavailable("The simulation took too long; try a shorter window.") from exc
    for index, scored, approved, rejected in sums:
        histogram.add(
            histogram.lower_edge(int(index), [False] * len(histogram.splits)),
            approved=int(approved or 0),
            rejected=int(rejected or 0),
            scored=int(scored or 0),
        )
    histogram.bins = {key: counts for key, counts in histogram.bins.items() if any(counts)}
    return histogram, float(window_days)


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
    buckets = ScoreHistogram.from_examples(examples, [])
    return buckets.prepared().chart(buckets, bins)


def simulate(
    publish_below: float,
    reject_at: float,
    high_band: str,
    window_days: int,
    capacity_per_day: float | None,
    cost_ratio: float,
    language: str | None = None,
) -> dict[str, Any]:
    """The what-if for candidate thresholds, the score histogram, and a recommendation when capacity is given; over
    one language's comments when `language` is given (the thresholds then being that language's)."""
    thresholds = Thresholds(publish_below, reject_at, high_band)
    buckets, days = history_histogram(window_days, language, splits=(publish_below, reject_at))
    prepared = buckets.prepared()
    result = prepared.replay(days, thresholds)
    result["cost"] = cost_ratio * result["wrongly_published"] + result["wrongly_rejected"]
    result["window_days"] = window_days
    result["histogram"] = prepared.chart(buckets)
    result["recommended"] = (
        prepared.recommend(days, capacity_per_day, cost_ratio, high_band) if capacity_per_day is not None else None
    )
    return result


def category_effect(
    category_thresholds: Mapping[str, Mapping[str, float]],
    window_days: int,
    language: str | None = None,
    thresholds: Thresholds | None = None,
) -> dict[str, dict[str, int]]:
    """Per category with limits: how many of the window's decided comments its limits would hold or reject, how many
    of those people rejected, and (given the score thresholds) how many the score alone would have published.

    One GROUP BY per category that has limits, over the window's decided comments (the category's score read out of
    the categories JSON): rows are grouped by which side of each limit and threshold they fall, so
    `CategoryLimit.status` and `policy.outcome` of a group's lowest value decide the whole group exactly."""
    effect: dict[str, dict[str, int]] = {}
    since = utcnow() - timedelta(days=window_days)
    if category_thresholds and str(db.session.get_bind().dialect.name) == "postgresql":
        db.session.execute(text(f"SET LOCAL statement_timeout = {int(STATEMENT_TIMEOUT_MS)}"))
    window = [
        Comment.score.is_not(None),
        Comment.created_at >= since,
        Verdict.undone_at.is_(None),
        Verdict.created_at >= since,
    ]
    if language:
        window.append(Comment.language == language)
    for name, values in category_thresholds.items():
        limit = CategoryLimit(values.get("hold_at"), values.get("reject_at"))
        counts = effect[name] = {
            "scored": 0,
            "held": 0,
            "held_rejected_by_people": 0,
            "rejected": 0,
            "rejected_rejected_by_people": 0,
            "published_by_score": 0,
        }
        value = Comment.categories[name].as_float()
        sides = [value >= edge for edge in (limit.hold_at, limit.reject_at) if edge is not None]
        if thresholds is not None:
            sides += [Comment.score >= thresholds.reject_at, Comment.score < thresholds.publish_below]
        rejected_by_people = (Verdict.action == "reject").label("rejected_by_people")
        query = (
            select(rejected_by_people, func.min(value), func.min(Comment.score), func.count(), *sides)
            .join(Verdict, Verdict.comment_id == Comment.id)
            .where(*window, value.is_not(None))
            .group_by(rejected_by_people, *sides)
        )
        try:
            rows = db.session.execute(query).all()
        except OperationalError as exc:
            db.session.rollback()
            raise ServiceUnavailable("The simulation took too long; try a shorter window.") from exc
        for row in rows:
            people_rejected, lowest, lowest_score, count = bool(row[0]), float(row[1]), float(row[2]), int(row[3])
            counts["scored"] += count
            status = limit.status(lowest)
            if status is None:
                continue
            kind = "rejected" if status == Status.REJECTED else "held"
            counts[kind] += count
            counts[f"{kind}_rejected_by_people"] += count if people_rejected else 0
            if thresholds is not None and outcome(lowest_score, thresholds) == Status.PUBLISHED:
                counts["published_by_score"] += count
    return effect
