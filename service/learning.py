"""Moderators' decisions as the site's own labelled data: examples with provenance, the fixed held-out slice, and
the shadow model's report against the decisions made since it started."""

from __future__ import annotations

import csv
import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import case, func, select

from service.classifier.artifact import ArtifactError, read_card
from service.classifier.datasets import LANGUAGES as TRAINABLE_LANGUAGES
from service.extensions import db
from service.language import identify
from service.live_models import SUPPORTABLE
from service.policy import Thresholds, outcome
from service.reasons import REJECT_REASON_CATEGORY
from service.records import Comment, ModelRegistration, ShadowCell, Verdict
from service.settings import resolve_path
from service.status import Status

logger = logging.getLogger(__name__)

# Every fifth decided comment (by id, so the slice never changes as data grows) is held out from site training
# and used to compare model versions: the promotion gate and the model card's site metrics.
HOLDOUT_MODULUS = 5


@dataclass(frozen=True)
class SiteExample:
    """One human decision as a training example, with where it came from."""

    comment_id: int
    text: str
    label: int
    category: str | None
    moderator: str
    decided_at: datetime
    reason_code: str | None
    model_version: str | None
    policy_version: int | None
    audit_sample: bool
    automatic_status: str | None
    # The comment's language: its site decision trains (and is measured on) that language's model.
    language: str


def _example(verdict: Verdict, body: str, language: str | None) -> SiteExample:
    rejected = verdict.action == "reject"
    return SiteExample(
        comment_id=verdict.comment_id,
        text=body,
        label=int(rejected),
        category=REJECT_REASON_CATEGORY.get(verdict.reason_code or "", "other") if rejected else None,
        moderator=verdict.moderator,
        decided_at=verdict.created_at,
        reason_code=verdict.reason_code,
        model_version=verdict.model_version,
        policy_version=verdict.policy_version,
        audit_sample=verdict.audit_sample,
        automatic_status=verdict.automatic_status,
        # Comments stored before languages were identified have none: identify them now.
        language=language or identify(body, SUPPORTABLE).language,
    )


def is_holdout(comment_id: int) -> bool:
    return comment_id % HOLDOUT_MODULUS == 0


def site_examples() -> list[SiteExample]:
    """The latest standing human decision per comment; undone decisions and erased authors never teach."""
    rows = db.session.execute(
        select(Verdict, Comment.body, Comment.language)
        .join(Comment, Comment.id == Verdict.comment_id)
        .where(Verdict.undone_at.is_(None), Comment.excluded_from_training.is_(False))
        .order_by(Verdict.id)
    ).all()
    latest: dict[int, SiteExample] = {}
    for verdict, body, language in rows:
        latest[verdict.comment_id] = _example(verdict, body, language)
    return list(latest.values())


def write_training_csv(path: Path, holdout: bool = False) -> int:
    """Write the site's examples as `text,label,category` (+ provenance columns); the held-out slice is kept out
    of training (holdout=False) or written alone (holdout=True). Returns the row count."""
    examples = [e for e in site_examples() if is_holdout(e.comment_id) == holdout]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "text",
                "label",
                "category",
                "comment_id",
                "moderator",
                "decided_at",
                "reason_code",
                "model_version",
                "policy_version",
                "language",
            ]
        )
        for e in examples:
            # Only abuse and spam are classifier categories; other reasons still teach "needs moderation".
            category = e.category if e.category in ("abuse", "spam") else ""
            writer.writerow(
                [
                    e.text,
                    e.label,
                    category,
                    e.comment_id,
                    e.moderator,
                    e.decided_at.isoformat(),
                    e.reason_code or "",
                    e.model_version or "",
                    e.policy_version or "",
                    e.language,
                ]
            )
    return len(examples)


def site_holdout() -> dict[str, tuple[list[str], list[int]]]:
    """Texts and labels of the fixed held-out slice of site decisions, per language."""
    by_language: dict[str, tuple[list[str], list[int]]] = {}
    for example in site_examples():
        if is_holdout(example.comment_id):
            texts, labels = by_language.setdefault(example.language, ([], []))
            texts.append(example.text)
            labels.append(example.label)
    return by_language


# shadow_cell's grid (migration 0008): 1/100 on both scores.
CELL_RESOLUTION = 100


def cell_bin(score: float) -> int:
    """The shadow_cell bin of a score: i / 100 <= score < (i + 1) / 100, exactly (as the migration's cell_bin)."""
    index = math.floor(score * CELL_RESOLUTION)
    if score < index / CELL_RESOLUTION:
        index -= 1
    elif score >= (index + 1) / CELL_RESOLUTION:
        index += 1
    return index


def _grid_index(threshold: float) -> int | None:
    """i when the threshold is exactly i / 100 (then score >= threshold <=> cell_bin(score) >= i), else None."""
    index = round(threshold * CELL_RESOLUTION)
    return index if index / CELL_RESOLUTION == threshold else None


def _shadow_groups(shadow_version: str, edges: Sequence[float]) -> Sequence[Sequence[Any]]:
    """Rows of (active at or above each edge..., shadow at or above each edge..., standing action, count).

    Edges on the 1/100 grid: from shadow_cell (at most 100 x 100 x 3 rows of the version, kept by the database).
    Otherwise from the comments themselves, over the shadow index: exact, but it reads every shadow-scored comment
    (160 k at 2 M comments: ~100 ms on a loaded 2-core machine, bench/NOTES.md)."""
    grid = [_grid_index(edge) for edge in edges]
    if all(index is not None for index in grid):
        flags = [
            (column >= index).label(f"{name}_{n}")
            for name, column in (("a", ShadowCell.active_bin), ("s", ShadowCell.shadow_bin))
            for n, index in enumerate(grid)
        ]
        action = func.nullif(ShadowCell.action, "").label("action")
        return db.session.execute(
            select(*flags, action, func.sum(ShadowCell.comments))
            .where(ShadowCell.shadow_model_version == shadow_version)
            .group_by(*flags, action)
        ).all()
    flags = [
        (column >= edge).label(f"{name}_{n}")
        for name, column in (("a", Comment.score), ("s", Comment.shadow_score))
        for n, edge in enumerate(edges)
    ]
    # human_action is the latest standing decision, kept by the database; an erased author's comment stays scored
    # but no longer counts as decided.
    human = case((Comment.excluded_from_training.is_(False), Comment.human_action)).label("action")
    return db.session.execute(
        select(*flags, human, func.count())
        .where(
            Comment.shadow_model_version == shadow_version,
            Comment.score.is_not(None),
            Comment.shadow_score.is_not(None),
        )
        .group_by(*flags, human)
    ).all()


def shadow_report(shadow_version: str, thresholds: Thresholds) -> dict[str, Any]:
    """How often the shadow model's outcome agrees with the active model's, and each one's error rate against the
    people's decisions on the comments both scored.

    One aggregate query: each score is reduced to which thresholds it is at or above (all `policy.outcome` can
    distinguish), grouped with the latest standing human decision; the outcome rule then runs once per group."""
    edges = tuple(dict.fromkeys((thresholds.publish_below, thresholds.reject_at)))
    groups = _shadow_groups(shadow_version, edges)

    def representative(above: Sequence[bool]) -> float:
        # The largest threshold the score is at or above stands for it (or -inf below them all).
        return max([-math.inf] + [edge for edge, flag in zip(edges, above, strict=True) if flag])

    scored = agree = decided = 0
    errors = {
        "active": {"wrongly_published": 0, "wrongly_rejected": 0},
        "shadow": {"wrongly_published": 0, "wrongly_rejected": 0},
    }
    for row in groups:
        count, action = int(row[-1] or 0), row[-2]
        active_flags, shadow_flags = row[: len(edges)], row[len(edges) : 2 * len(edges)]
        active_outcome = outcome(representative([bool(f) for f in active_flags]), thresholds)
        shadow_outcome = outcome(representative([bool(f) for f in shadow_flags]), thresholds)
        scored += count
        agree += count if active_outcome == shadow_outcome else 0
        if action is None:
            continue
        decided += count
        rejected_by_people = action == "reject"
        for name, result in (("active", active_outcome), ("shadow", shadow_outcome)):
            if result == Status.PUBLISHED and rejected_by_people:
                errors[name]["wrongly_published"] += count
            if result == Status.REJECTED and not rejected_by_people:
                errors[name]["wrongly_rejected"] += count
    rates = {
        name: {key: (value / decided if decided else None) for key, value in counts.items()}
        for name, counts in errors.items()
    }
    return {
        "shadow_version": shadow_version,
        "scored_by_both": scored,
        "agreement": agree / scored if scored else None,
        "decided_since": decided,
        "errors": errors,
        "error_rates": rates,
    }


def _rows(examples: list[SiteExample]) -> list[tuple[str, int, str | None, str, str]]:
    """Training tuples of the decisions in a language a model can be trained for (others: see other_languages)."""
    return [
        (e.text, e.label, e.category if e.category in ("abuse", "spam") else None, "site", e.language)
        for e in examples
        if e.language in TRAINABLE_LANGUAGES
    ]


def other_languages(examples: list[SiteExample]) -> dict[str, int]:
    """Decisions per language no model is trained for (an unsupported or undetermined language): never training rows."""
    counts: dict[str, int] = {}
    for e in examples:
        if e.language not in TRAINABLE_LANGUAGES:
            counts[e.language] = counts.get(e.language, 0) + 1
    return dict(sorted(counts.items()))


# Training reads at most this many of the site's decisions (and measures on at most HOLDOUT_CAP held-out ones):
# the site model's out-of-fold fits and the blend's predictions grow with the rows; before any cap 800 k decisions
# took > 10 min and 13.7 GB; with 100 k (and 5 splits) the English blend alone ran past 6 min of CPU unfinished.
# The newest 50 k (the site's vocabulary and moderators' habits drift, so the newest matter most) with 3 splits: the
# decisions' part of a training is ~5 min of CPU and 1.5 GB at most, whatever the count (bench/NOTES.md).
TRAINING_CAP = 50_000
HOLDOUT_CAP = 20_000
_FETCH_CHUNK = 5_000


def _standing_decisions() -> list[tuple[int, int, bool]]:
    """(verdict id, comment id, rejected) of the latest standing decision per comment, without bodies."""
    rows = db.session.execute(
        select(Verdict.id, Verdict.comment_id, Verdict.action)
        .join(Comment, Comment.id == Verdict.comment_id)
        .where(Verdict.undone_at.is_(None), Comment.excluded_from_training.is_(False))
        .order_by(Verdict.id)
        .execution_options(yield_per=_FETCH_CHUNK * 4)  # streamed (a server-side cursor on PostgreSQL)
    )
    latest: dict[int, tuple[int, int, bool]] = {}
    for verdict_id, comment_id, action in rows:
        latest[comment_id] = (verdict_id, comment_id, action == "reject")
    return list(latest.values())


def stratified_newest(decisions: Sequence[tuple[int, int, bool]], cap: int) -> list[int]:
    """Verdict ids of at most `cap` decisions: each label keeps its share of the whole, newest decisions first."""
    if len(decisions) <= cap:
        return [verdict_id for verdict_id, _, _ in decisions]
    chosen: list[int] = []
    rejected = sorted((d[0] for d in decisions if d[2]), reverse=True)
    approved = sorted((d[0] for d in decisions if not d[2]), reverse=True)
    rejected_quota = round(cap * len(rejected) / len(decisions))
    chosen += rejected[:rejected_quota]
    chosen += approved[: cap - rejected_quota]
    return sorted(chosen)


def _examples_for(verdict_ids: Sequence[int]) -> list[SiteExample]:
    examples: list[SiteExample] = []
    for start in range(0, len(verdict_ids), _FETCH_CHUNK):
        chunk = verdict_ids[start : start + _FETCH_CHUNK]
        rows = db.session.execute(
            select(Verdict, Comment.body, Comment.language)
            .join(Comment, Comment.id == Verdict.comment_id)
            .where(Verdict.id.in_(chunk))
            .order_by(Verdict.id)
        ).all()
        examples.extend(_example(verdict, body, language) for verdict, body, language in rows)
        db.session.expunge_all()
    return examples


def bounded_site_examples(
    training_cap: int = TRAINING_CAP, holdout_cap: int = HOLDOUT_CAP
) -> tuple[list[SiteExample], list[SiteExample]]:
    """Training and held-out site examples, each a stratified newest-first sample of at most its cap."""
    decisions = _standing_decisions()
    training = [d for d in decisions if not is_holdout(d[1])]
    holdout = [d for d in decisions if is_holdout(d[1])]
    return (
        _examples_for(stratified_newest(training, training_cap)),
        _examples_for(stratified_newest(holdout, holdout_cap)),
    )


def site_gains(card: dict[str, Any]) -> list[dict[str, Any]]:
    """Per language of a site-blend card: ROC AUC on the site's held-out decisions of the public model alone and of
    the blend, and the gain (what the site's moderators added); languages without a site model are left out."""
    gains = []
    sections = card.get("languages") or {card.get("primary_language", "en"): card}
    for language, section in sorted(sections.items()):
        blend = section.get("blend", {}) if isinstance(section, dict) else {}
        alternatives = blend.get("alternatives", {})
        public = alternatives.get("public_alone", {}).get("holdout_auc")
        blended = alternatives.get("blend", {}).get("holdout_auc")
        if blend.get("method") != "stacking" or public is None or blended is None:
            continue
        gains.append(
            {
                "language": language,
                "public_auc": public,
                "blend_auc": blended,
                "gain": blend.get("holdout_gain_auc", round(blended - public, 4)),
                "holdout_rows": section.get("training_data", {}).get("site", {}).get("holdout_rows"),
                "training_rows": blend.get("site_model", {}).get("rows"),
            }
        )
    return gains


def latest_verdict_id() -> int:
    """The newest verdict's id (0 before any decision): what a trained version has seen is everything up to it."""
    return int(db.session.scalar(select(func.max(Verdict.id))) or 0)


def last_trained_through() -> int | None:
    """``site_decisions.through_verdict_id`` from the newest registered version trained on site decisions (None when
    no registered version was: every decision is new)."""
    for path in db.session.scalars(select(ModelRegistration.path).order_by(ModelRegistration.created_at.desc())):
        try:
            card = read_card(resolve_path(path))
        except ArtifactError:
            continue
        through = card.get("site_decisions", {}).get("through_verdict_id")
        if isinstance(through, int):
            return through
    return None


def new_decisions_since_last_training() -> int:
    """Standing decisions (not undone, author not erased) made after the last version trained on site decisions."""
    through = last_trained_through()
    query = (
        select(func.count(Verdict.id))
        .join(Comment, Comment.id == Verdict.comment_id)
        .where(Verdict.undone_at.is_(None), Comment.excluded_from_training.is_(False))
    )
    if through is not None:
        query = query.where(Verdict.id > through)
    return int(db.session.scalar(query) or 0)


# The unsupervised part of site training reads at most this many of the site's newest comments (decided or not).
SITE_TEXTS_CAP = 50_000


def site_texts(cap: int = SITE_TEXTS_CAP) -> list[tuple[str, str]]:
    """(body, language) of the site's newest comments, decided or not (erased authors' excluded), oldest first."""
    rows = db.session.execute(
        select(Comment.body, Comment.language)
        .where(Comment.excluded_from_training.is_(False))
        .order_by(Comment.id.desc())
        .limit(cap)
    ).all()
    return [(body, language or identify(body, SUPPORTABLE).language) for body, language in reversed(rows)]


def train_with_site_decisions(
    public_data: list[Path], out: Path, seed: int = 0, version: str | None = None, reuse_from: Path | None = None
) -> Path:
    """Train the public model, a site model on this site's decisions, and their blend (fitted out-of-fold on the
    site's training decisions); the fixed held-out slice only measures the result. A site with more decisions than
    TRAINING_CAP trains on a stratified sample of its newest ones, so time and memory stay bounded. The card records
    the newest verdict id it has seen (``site_decisions``), so ``--if-new`` can count the decisions made since.
    ``reuse_from`` (the active version) lends its public models when they were trained exactly as these would be."""
    from service.classifier.site import SHIPPED_METHOD, train_site_blend
    from service.classifier.train import reusable_public_models, version_hyperparameters

    params = version_hyperparameters(reuse_from) if reuse_from is not None else {}
    publics = reusable_public_models(reuse_from, public_data, params, seed) if reuse_from is not None else {}

    through = latest_verdict_id()
    training, holdout = bounded_site_examples()
    texts = site_texts() if SHIPPED_METHOD.vocabulary == "site_comments" else []
    # End the read transaction before minutes of fitting: an open one holds a snapshot (VACUUM cannot clean behind
    # it) and locks that would make a migration wait.
    db.session.commit()
    logger.info(
        "site decisions read: training=%d holdout=%d cpu=%.1fs", len(training), len(holdout), time.process_time()
    )
    return train_site_blend(
        public_data,
        _rows(training),
        _rows(holdout),
        out,
        seed=seed,
        version=version,
        site_texts=texts,
        # Appending site rows to the public data ranked a site's comments worse every time it was measured (issue 7,
        # bench/learning_loop.py); fitting it only for the card doubled the cost of every retraining.
        compare_appended=False,
        params=params,
        public_models=publics,
        card_extra={
            "public_models": {
                "hyperparameters_from": reuse_from.name if params and reuse_from else None,
                "reused_from": reuse_from.name if publics and reuse_from else None,
                "reused": sorted(publics),
            },
            "site_decisions": {
                "through_verdict_id": through,
                "training": len(training),
                "holdout": len(holdout),
                "site_comments": len(texts),
                "other_languages": other_languages([*training, *holdout]),
            },
        },
    )
