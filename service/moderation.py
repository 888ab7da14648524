"""Use cases of a reader comment: submit (score, decide, store, audit) and list what is published."""

from __future__ import annotations

import dataclasses
import functools
import logging
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import Select, bindparam, func, literal, select, tuple_, union_all

from service import audit, authors, comment_store, edit_tokens, rules, suspensions, webhooks
from service.classifier.scorer import Explanation, Score
from service.errors import ArticleClosed, CommentNotFound, InvalidFields
from service.extensions import db
from service.live_models import Assessment, LiveModels
from service.policy import LanguageScore, Policy, language_decision, score_decision
from service.reasons import Reason, categories_that_held, outcome_reason
from service.records import MAX_INTEGER, BodyBand, Comment, UTCDateTime, utcnow
from service.status import Status
from service.write_lock import serialised_writes

logger = logging.getLogger(__name__)
# Audit sampling needs fair coin flips, not secrets; a module-level generator keeps it cheap.
_random = random.Random()
CANDIDATES_PER_BAND = 20

STATUS_MESSAGES = {
    Status.PUBLISHED: "Your comment is published.",
    Status.PENDING: "Thank you. Your comment is awaiting moderation.",
    Status.REJECTED: "Your comment was not published because it breaks the comment policy.",
}


@dataclass(frozen=True)
class Submission:
    """The stored comment's id and outcome, and what to tell the reader about it."""

    comment_id: int
    status: Status
    reasons: list[Reason]
    message: str
    public_reasons: list[Reason]
    language: str
    # The author's edit token (shown once; only its hash is stored) and until when it works; None when edits are off.
    edit_token: str | None = None
    editable_until: datetime | None = None


def _check_parent(parent_id: int | None, article_id: str) -> None:
    if parent_id is None:
        return
    parent = db.session.get(Comment, parent_id)
    if parent is None:
        raise InvalidFields(fields={"parent_id": ["No comment with this id."]})
    if parent.article_id != article_id:
        raise InvalidFields(fields={"parent_id": ["The parent comment belongs to another article."]})
    if parent.status != Status.PUBLISHED:
        raise InvalidFields(fields={"parent_id": ["Replies are only possible to published comments."]})


@dataclass(frozen=True)
class Repeat:
    """An earlier comment that a new one repeats."""

    comment_id: int
    campaign_id: str | None


@functools.cache
def _repeat_candidates_query(band_count: int) -> Select[int, str | None, str | None]:
    """Id, fingerprint and campaign of the newest comments sharing any of `band_count` bands (parameters band0...,
    since). One limited index range scan on (band, created_at) per band, newest first, all in one round trip: a
    single IN-list over the bands has to read every row of every matching band (measured: linear in table size on
    PostgreSQL, bench/NOTES.md). Built once per band count, so that SQLAlchemy
    compiles it once."""
    per_band = [
        select(BodyBand.comment_id)
        .where(BodyBand.band == bindparam(f"band{index}"), BodyBand.created_at >= bindparam("since"))
        .order_by(BodyBand.created_at.desc())
        .limit(CANDIDATES_PER_BAND)
        .subquery()
        for index in range(band_count)
    ]
    candidate_ids = union_all(*(select(band.c.comment_id) for band in per_band))
    return (
        select(Comment.id, Comment.body_fingerprint, Comment.campaign_id)
        .where(Comment.id.in_(candidate_ids))
        .order_by(Comment.id.desc())
    )


def _recent_duplicate(body_fingerprint: str | None, window_minutes: int, exclude: int | None = None) -> Repeat | None:
    """The newest comment in the window whose body is the same or nearly the same, by anyone: an index lookup of
    the fingerprint's bands, then the exact bit distance of the few candidates."""
    if body_fingerprint is None or window_minutes <= 0:
        return None
    bands = rules.fingerprint_bands(body_fingerprint)
    parameters: dict[str, Any] = {f"band{index}": band for index, band in enumerate(bands)}
    parameters["since"] = utcnow() - timedelta(minutes=window_minutes)
    candidates = db.session.connection().execute(_repeat_candidates_query(len(bands)), parameters)
    for candidate_id, candidate_fingerprint, campaign_id in candidates:
        if (
            candidate_id != exclude
            and candidate_fingerprint
            and rules.is_near_duplicate(candidate_fingerprint, body_fingerprint)
        ):
            return Repeat(candidate_id, campaign_id)
    return None


def _prior_comments_by(email: str) -> int:
    return db.session.scalar(select(func.count(Comment.id)).where(Comment.author_email == email)) or 0


def _campaign_for(repeat: Repeat) -> tuple[str, int | None]:
    """Group repeats under one campaign id, so a flood is one card in the queue: the id, and the earlier comment to
    mark with it when it has none yet. The id is named after the first comment of the flood, so two repeats arriving
    at the same moment still pick the same campaign."""
    if repeat.campaign_id is not None:
        return repeat.campaign_id, None
    return f"campaign-{repeat.comment_id}", repeat.comment_id


class CommentScorer(Protocol):
    """What submitting needs of the classifier: the comment's language and a score per covered language in it (no
    scores when it could not score; never an exception), and the shadow model's score for comparison."""

    def assess(self, text: str) -> Assessment: ...

    def score_shadow(self, text: str, language: str) -> Score | None: ...

    def explain_categories(self, text: str, score: Score, categories: Sequence[str]) -> dict[str, list[Explanation]]:
        """The words behind each named category's score, by the model that gave `score` (none when it is gone)."""
        ...


@dataclass(frozen=True)
class SubmissionFacts:
    """Everything a comment's outcome depends on besides the policy, gathered before deciding."""

    # One score per covered language in the comment; empty when it could not be scored.
    scores: tuple[LanguageScore, ...]
    rule_input: rules.RuleInput
    unsupported_languages: tuple[str, ...] = ()
    bot_signals: tuple[str, ...] = ()
    # A uniform draw in [0, 1) for the blind audit sample, drawn by the caller so that deciding stays pure.
    audit_draw: float = 1.0
    # The author's record (service.authors), read only when an author rule of the policy is on.
    author_published: int = 0
    author_recent_rejections: int = 0


@dataclass(frozen=True)
class SubmissionDecision:
    """The outcome and its reasons; when the blind audit sample hid the machine's outcome, that outcome too."""

    status: Status
    reasons: list[Reason]
    machine_status: Status
    machine_reasons: list[Reason]
    audit_sample: bool = False
    # Which of the facts' scores decided (the strictest language), None when none did.
    decisive_score: int | None = None

    @property
    def automatic_status(self) -> Status | None:
        """What the machine decided, recorded only for audit samples (people decide without seeing it)."""
        return self.machine_status if self.audit_sample else None


def decide_submission(facts: SubmissionFacts, policy: Policy) -> SubmissionDecision:
    """The whole decision about a new comment, as a pure function: the outcome rule on each language's score (a
    language no model covers never publishes), then rules and bot signals (which can only make it stricter), then the
    blind audit sample (which only hides it from people). The author rules only tighten too: a trusted author merely
    skips the new-author hold."""
    status, reasons, decisive = language_decision(facts.scores, facts.unsupported_languages, policy)
    settings = policy.rule_settings()
    if policy.trust_after_published and facts.author_published >= policy.trust_after_published:
        # A trusted author skips the new-author hold; never the classifier or any other rule.
        settings = dataclasses.replace(settings, new_author_hold=0)
    status, reasons = rules.apply_rules(status, reasons, facts.rule_input, settings)
    if policy.hold_after_rejections and facts.author_recent_rejections >= policy.hold_after_rejections:
        status = rules.stricter(status, Status.PENDING)
        reasons.append(outcome_reason("author_history"))
    for signal in facts.bot_signals:
        # Never an error a bot could learn from: the comment is accepted and quietly queued.
        status = rules.stricter(status, Status.PENDING)
        reasons.append(outcome_reason(signal))
    if status != Status.PENDING and facts.audit_draw < policy.audit_sample_rate:
        return SubmissionDecision(
            Status.PENDING,
            [outcome_reason("audit_sample")],
            status,
            reasons,
            audit_sample=True,
            decisive_score=decisive,
        )
    return SubmissionDecision(status, reasons, status, reasons, decisive_score=decisive)


@dataclass(frozen=True)
class ScoreReport:
    """What scoring alone says about one text: its language, and the score of the language that would decide it
    under the policy (None when no model reads it: `unsupported_languages` says which)."""

    language: str
    score: Score | None
    unsupported_languages: tuple[str, ...]
    # Per category at or above its own limit under the policy: the words behind that category's score.
    category_explanations: Mapping[str, list[dict[str, Any]]] = dataclasses.field(default_factory=dict)

    @property
    def probability(self) -> float | None:
        return self.score.probability if self.score else None

    @property
    def categories(self) -> dict[str, float]:
        return dict(self.score.categories) if self.score else {}

    @property
    def model_version(self) -> str | None:
        return self.score.model_version if self.score else None

    @property
    def explanation(self) -> list[dict[str, Any]]:
        return _explanation(self.score)


def _language_scores(assessment: Assessment) -> tuple[LanguageScore, ...]:
    return tuple(LanguageScore(s.language, s.probability, s.categories) for s in assessment.scores)


def score_texts(texts: Sequence[str], models: LiveModels, policy: Policy) -> list[ScoreReport]:
    """Score texts without storing anything, choosing per text the language that would decide it."""
    reports = []
    for text, assessment in zip(texts, models.score_now(list(texts)), strict=True):
        _, _, decisive = language_decision(_language_scores(assessment), assessment.unsupported, policy)
        score = assessment.scores[decisive] if decisive is not None else None
        explained = {}
        if score is not None:
            _, reasons = score_decision(score.probability, policy.thresholds(score.language), score.categories)
            held_by = categories_that_held(reasons)
            explained = {name: _terms(terms) for name, terms in models.explain_categories(text, score, held_by).items()}
        reports.append(ScoreReport(assessment.language, score, assessment.unsupported, explained))
    return reports


def explanation_of(score: Score | None) -> list[dict[str, Any]]:
    """A score's explanation as it is stored and shown (term, weight, offsets)."""
    return _explanation(score)


def _explanation(score: Score | None) -> list[dict[str, Any]]:
    return _terms(score.explanation) if score is not None else []


def _terms(explanation: Sequence[Explanation]) -> list[dict[str, Any]]:
    return [{"term": e.term, "weight": e.weight, "start": e.start, "end": e.end} for e in explanation]


def category_explanations_of(
    scorer: CommentScorer, text: str, score: Score | None, decision: SubmissionDecision
) -> dict[str, list[dict[str, Any]]]:
    """For each category that held or rejected the comment, the words that drove its score, as stored and shown.
    Computed only for those categories (a few per cent of comments), so scoring itself pays nothing for it."""
    held_by = categories_that_held(decision.machine_reasons)
    if score is None or not held_by:
        return {}
    found = scorer.explain_categories(text, score, held_by)
    return {name: _terms(terms) for name, terms in found.items()}


@dataclass(frozen=True)
class GatheredFacts:
    """The facts a comment is decided on, and what was read to gather them (kept when the comment is stored)."""

    facts: SubmissionFacts
    assessment: Assessment
    body_fingerprint: str | None
    duplicate: Repeat | None


def gather_facts(
    payload: Mapping[str, Any],
    *,
    scorer: CommentScorer,
    policy: Policy,
    duplicate_window_minutes: int = 60,
    bot_signals: Sequence[str] = (),
    audit_draw: float = 1.0,
    editing: int | None = None,
) -> GatheredFacts:
    """Score a validated comment and read what the rules need about its author and recent comments, storing
    nothing: posting and the nudge before posting (service.nudge) decide on the same facts, and so does an author's
    edit (service.edits), with the comment being edited (`editing`) left out of its own facts."""
    body = payload["body"]
    assessment = scorer.assess(body)
    body_fingerprint = rules.fingerprint(body)
    duplicate = _recent_duplicate(body_fingerprint, duplicate_window_minutes, exclude=editing)
    author = None
    if policy.reads_author_history and payload.get("author_key"):
        since = authors.window_start(policy.rejection_window_days)
        author = authors.record_of(payload["author_key"], since)
    facts = SubmissionFacts(
        scores=_language_scores(assessment),
        unsupported_languages=assessment.unsupported,
        rule_input=rules.RuleInput(
            body=body,
            article_id=payload["article_id"],
            prior_comments_by_author=(
                _prior_comments_by(payload["author_email"]) - (1 if editing else 0) if policy.new_author_hold else 0
            ),
            duplicate_of_recent=duplicate is not None,
        ),
        bot_signals=tuple(bot_signals),
        audit_draw=audit_draw,
        author_published=author.published if author else 0,
        author_recent_rejections=author.recent_rejections if author else 0,
    )
    return GatheredFacts(facts, assessment, body_fingerprint, duplicate)


def submit_comment(
    payload: Mapping[str, Any],
    *,
    scorer: CommentScorer,
    policy: Policy,
    duplicate_window_minutes: int = 60,
    bot_signals: Sequence[str] = (),
) -> Submission:
    """Score, decide and store a validated comment; commits once, so a 201 means the comment is stored."""
    article_id = payload["article_id"]
    if article_id in policy.closed_articles:
        raise ArticleClosed()
    suspensions.ensure_may_post(payload.get("author_key"))
    _check_parent(payload.get("parent_id"), article_id)

    gathered = gather_facts(
        payload,
        scorer=scorer,
        policy=policy,
        duplicate_window_minutes=duplicate_window_minutes,
        bot_signals=bot_signals,
        audit_draw=_random.random(),
    )
    decision = decide_submission(gathered.facts, policy)
    assessment = gathered.assessment
    score = assessment.scores[decision.decisive_score] if decision.decisive_score is not None else None
    shadow = scorer.score_shadow(payload["body"], score.language) if score else None
    stored = StoredFacts(
        assessment.language,
        score,
        shadow,
        gathered.body_fingerprint,
        gathered.duplicate,
        category_explanations_of(scorer, payload["body"], score, decision),
    )
    edit_token = edit_tokens.new_token() if policy.edit_window_minutes else None
    comment_id, created_at = _store(payload, stored, decision, policy, edit_token)
    logger.info(
        "comment moderated id=%s status=%s language=%s p=%s model=%s policy=%s",
        comment_id,
        decision.status,
        assessment.language,
        score.probability if score else None,
        score.model_version if score else None,
        policy.version,
    )
    return Submission(
        comment_id=comment_id,
        status=decision.status,
        reasons=list(decision.reasons),
        message=STATUS_MESSAGES[decision.status],
        public_reasons=list(decision.reasons) if decision.status == Status.REJECTED else [],
        language=assessment.language,
        edit_token=edit_token,
        editable_until=created_at + timedelta(minutes=policy.edit_window_minutes) if edit_token else None,
    )


@dataclass(frozen=True)
class StoredFacts:
    """What is stored beside the decision: the language, the score that decided, the shadow's, and repeat facts."""

    language: str
    score: Score | None
    shadow: Score | None
    body_fingerprint: str | None
    duplicate: Repeat | None
    category_explanations: Mapping[str, list[dict[str, Any]]] = dataclasses.field(default_factory=dict)


def _store(
    payload: Mapping[str, Any],
    facts: StoredFacts,
    decision: SubmissionDecision,
    policy: Policy,
    edit_token: str | None = None,
) -> tuple[int, datetime]:
    """Insert the comment, its fingerprint bands and its audit event in one transaction, and commit; return its id
    and creation time."""
    score, shadow, body_fingerprint, duplicate = facts.score, facts.shadow, facts.body_fingerprint, facts.duplicate
    now = utcnow()
    automatic_status = decision.automatic_status
    values = {
        "article_id": payload["article_id"],
        "parent_id": payload.get("parent_id"),
        "author_name": payload["author_name"],
        "author_email": payload["author_email"],
        "body": payload["body"],
        "status": str(decision.status),
        "language": facts.language,
        "score": score.probability if score else None,
        "categories": dict(score.categories) if score else {},
        "explanation": _explanation(score),
        "category_explanations": dict(facts.category_explanations),
        "model_version": score.model_version if score else None,
        "policy_version": policy.version,
        "reasons": list(decision.reasons),
        "automatic_status": str(automatic_status) if automatic_status is not None else None,
        "audit_sample": automatic_status is not None,
        "body_fingerprint": body_fingerprint,
        "campaign_id": None,
        "ip_hash": payload.get("ip_hash"),
        "shadow_score": shadow.probability if shadow else None,
        "shadow_model_version": shadow.model_version if shadow else None,
        "excluded_from_training": False,
        "nudged": bool(payload.get("nudged")),
        "author_key": payload.get("author_key"),
        "edit_token_hash": edit_tokens.token_hash(edit_token) if edit_token else None,
        "created_at": now,
        "updated_at": now,
    }
    mark_campaign_on = None
    if duplicate is not None:
        values["campaign_id"], mark_campaign_on = _campaign_for(duplicate)
    event = audit.event_values(
        "system",
        "comment.submitted",
        to_status=decision.status,
        reason=",".join(r["code"] for r in decision.reasons) or None,
        data={
            "score": values["score"],
            "model_version": values["model_version"],
            "language": facts.language,
            "policy_version": policy.version,
            "reasons": [r["code"] for r in decision.machine_reasons],
            "automatic_status": str(decision.machine_status),
            "audit_sample": values["audit_sample"],
            "campaign_id": values["campaign_id"],
            "nudged": values["nudged"],
        },
    )
    bands = rules.fingerprint_bands(body_fingerprint) if body_fingerprint else []
    with serialised_writes(db.engine):
        comment_id = comment_store.insert_comment(
            comment_store.NewComment(values, bands, {**event, "created_at": now}, mark_campaign_on)
        )
        if decision.status == Status.PUBLISHED:
            # Into the webhook outbox in the same transaction: the article site hears of every published comment.
            webhooks.enqueue(
                "comment.published",
                {
                    "id": comment_id,
                    "article_id": values["article_id"],
                    "status": values["status"],
                    "language": facts.language,
                    "reasons": [],
                },
            )
        db.session.commit()
    return comment_id, now


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def _encode_cursor(created_at: datetime, comment_id: int) -> str:
    """The keyset of the last row of a page, `<microseconds since 1970>.<id>` (schemas.CURSOR_PATTERN)."""
    return f"{(created_at - _EPOCH) // _MICROSECOND}.{comment_id}"


def _decode_cursor(cursor: str) -> tuple[datetime, int]:
    """Any cursor the pattern allows names a position: past the last id means past every comment of that moment."""
    micros, _, comment_id = cursor.partition(".")
    if not (micros.isdigit() and comment_id.isdigit()):
        raise InvalidFields(fields={"cursor": ["Not a cursor this service issued."]})
    return _EPOCH + int(micros) * _MICROSECOND, min(int(comment_id), MAX_INTEGER)


def published_comments(article_id: str, limit: int, cursor: str | None) -> tuple[list[Comment], str | None]:
    """One page of an article's published comments, oldest first, and the cursor of the next page."""
    query = select(Comment).where(Comment.article_id == article_id, Comment.status == Status.PUBLISHED)
    if cursor:
        created_at, last_id = _decode_cursor(cursor)
        # A row comparison: the (article_id, status, created_at, id) index seeks straight to the cursor.
        query = query.where(
            tuple_(Comment.created_at, Comment.id) > tuple_(literal(created_at, UTCDateTime()), last_id)
        )
    rows = list(db.session.scalars(query.order_by(Comment.created_at, Comment.id).limit(limit + 1)))
    next_cursor = _encode_cursor(rows[limit - 1].created_at, rows[limit - 1].id) if len(rows) > limit else None
    return rows[:limit], next_cursor


def published_comment(comment_id: int) -> Comment:
    """A comment any reader may see; anything unpublished is indistinguishable from a missing one."""
    comment = db.session.get(Comment, comment_id)
    if comment is None or comment.status != Status.PUBLISHED:
        raise CommentNotFound()
    return comment
