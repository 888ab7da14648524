"""The policy document (versioned, audited) and the outcome rule that turns a score into a status (`outcome`)."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any, NamedTuple

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema
from sqlalchemy import bindparam, func, select

from service import audit
from service.classifier.datasets import LANGUAGES
from service.extensions import db
from service.reasons import CATEGORIES, Reason, outcome_reason
from service.records import PolicyVersion
from service.rules import RuleSettings, stricter, term_form
from service.status import Status
from service.text import normalise_term


class _Term(fields.String):
    """A banned or suspect term: stored NFC, trimmed and without invisible characters; refused if nothing of it is
    left to match (only marks, tatweel or invisible characters)."""

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> str:
        term = normalise_term(super()._deserialize(value, attr, data, **kwargs))
        if not term_form(term):
            raise ValidationError("Has nothing to match: only marks, tatweel or invisible characters.")
        return term


_TERM = _Term(validate=validate.Length(min=1, max=100))
_ARTICLE = fields.String(validate=validate.Length(min=1, max=200))
# Thresholds of their own for the languages Moderato can train a model for: a language no model reads is never
# scored (see unsupported_language), so thresholds for it would do nothing.
_LANGUAGE = fields.String(
    validate=validate.OneOf(LANGUAGES, error=f"One of the languages Moderato trains: {', '.join(LANGUAGES)}.")
)


class CategoryLimits(Schema):
    """A category's own limits: its score at or above `hold_at` holds the comment, at or above `reject_at` rejects
    it, whatever the overall score (either may be left out)."""

    class Meta:
        unknown = RAISE
        ordered = True

    hold_at = fields.Float(validate=validate.Range(min=0, max=1))
    reject_at = fields.Float(validate=validate.Range(min=0, max=1))

    @validates_schema
    def _in_order(self, data: dict[str, Any], **_: Any) -> None:
        if "hold_at" in data and "reject_at" in data and data["reject_at"] < data["hold_at"]:
            raise ValidationError("Must be at least hold_at.", "reject_at")


class LanguageThresholds(Schema):
    """One language's own score thresholds (its model's scores are calibrated on its own data), and optionally its
    own category limits (over the general ones, category by category)."""

    class Meta:
        unknown = RAISE
        ordered = True

    publish_below = fields.Float(required=True, validate=validate.Range(min=0, max=1))
    reject_at = fields.Float(required=True, validate=validate.Range(min=0, max=1))
    categories = fields.Dict(
        keys=fields.String(validate=validate.OneOf(CATEGORIES)),
        values=fields.Nested(CategoryLimits),
        validate=validate.Length(max=len(CATEGORIES)),
    )

    @validates_schema
    def _in_order(self, data: dict[str, Any], **_: Any) -> None:
        # A PATCH loads the policy with partial=True, which marshmallow passes down to nested schemas: a language's
        # pair is still all-or-nothing.
        missing = [name for name in ("publish_below", "reject_at") if name not in data]
        if missing:
            raise ValidationError({name: ["Missing data for required field."] for name in missing})
        if data["reject_at"] < data["publish_below"]:
            raise ValidationError("Must be at least publish_below.", "reject_at")


class PolicyDocument(Schema):
    """The admin-editable policy; PATCH sends any subset (partial=True)."""

    class Meta:
        unknown = RAISE
        ordered = True

    publish_below = fields.Float(required=True, validate=validate.Range(min=0, max=1))
    reject_at = fields.Float(required=True, validate=validate.Range(min=0, max=1))
    high_band = fields.String(required=True, validate=validate.OneOf(["reject", "hold"]))
    banned_terms = fields.List(_TERM, required=True, validate=validate.Length(max=2000))
    suspect_terms = fields.List(_TERM, required=True, validate=validate.Length(max=2000))
    max_links = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=100))
    new_author_hold = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=100))
    report_threshold = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=1000))
    audit_sample_rate = fields.Float(required=True, validate=validate.Range(min=0, max=1))
    premoderated_articles = fields.List(_ARTICLE, required=True)
    closed_articles = fields.List(_ARTICLE, required=True)
    # Per-language overrides of publish_below/reject_at; a language without an entry uses the two above.
    thresholds_by_language = fields.Dict(
        keys=_LANGUAGE, values=fields.Nested(LanguageThresholds), load_default=dict, validate=validate.Length(max=50)
    )
    # Per-category limits for every language (e.g. hold anything that might be a threat, whatever its overall score).
    category_thresholds = fields.Dict(
        keys=fields.String(validate=validate.OneOf(CATEGORIES)),
        values=fields.Nested(CategoryLimits),
        load_default=dict,
        validate=validate.Length(max=len(CATEGORIES)),
    )
    # What happens to a comment written (partly) in a language no model covers: a person decides, or it is rejected.
    # Never published automatically.
    unsupported_language = fields.String(load_default="hold", validate=validate.OneOf(["hold", "reject"]))
    # Author rules (service.authors), off by default: hold every comment of an author with at least this many
    # rejected comments written in the last `rejection_window_days` days (0 = off) ...
    hold_after_rejections = fields.Integer(load_default=0, strict=True, validate=validate.Range(min=0, max=1000))
    rejection_window_days = fields.Integer(load_default=30, strict=True, validate=validate.Range(min=1, max=3650))
    # ... and trust an author with at least this many published comments: no `new_author` hold (0 = off). Trust
    # never skips the classifier or any other rule.
    trust_after_published = fields.Integer(load_default=0, strict=True, validate=validate.Range(min=0, max=100000))
    # Minutes after posting during which the author may edit the comment with its edit token (0 = no edits).
    edit_window_minutes = fields.Integer(load_default=5, strict=True, validate=validate.Range(min=0, max=1440))

    @validates_schema
    def _thresholds_in_order(self, data: dict[str, Any], **_: Any) -> None:
        if "publish_below" in data and "reject_at" in data and data["reject_at"] < data["publish_below"]:
            raise ValidationError("Must be at least publish_below.", "reject_at")


class PolicyOut(PolicyDocument):
    version = fields.Integer(dump_only=True)


@dataclass(frozen=True)
class Policy:
    """The policy in force, with the version number every decision records."""

    version: int
    publish_below: float
    reject_at: float
    high_band: str
    banned_terms: tuple[str, ...]
    suspect_terms: tuple[str, ...]
    max_links: int
    new_author_hold: int
    report_threshold: int
    audit_sample_rate: float
    premoderated_articles: frozenset[str]
    closed_articles: frozenset[str]
    thresholds_by_language: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    unsupported_language: str = "hold"
    category_thresholds: Mapping[str, CategoryLimit] = field(default_factory=dict)
    hold_after_rejections: int = 0
    rejection_window_days: int = 30
    trust_after_published: int = 0
    edit_window_minutes: int = 5

    @classmethod
    def from_document(cls, version: int, document: Mapping[str, Any]) -> Policy:
        return cls(
            version=version,
            publish_below=float(document["publish_below"]),
            reject_at=float(document["reject_at"]),
            high_band=str(document["high_band"]),
            banned_terms=tuple(document["banned_terms"]),
            suspect_terms=tuple(document["suspect_terms"]),
            max_links=int(document["max_links"]),
            new_author_hold=int(document["new_author_hold"]),
            report_threshold=int(document["report_threshold"]),
            audit_sample_rate=float(document["audit_sample_rate"]),
            premoderated_articles=frozenset(document["premoderated_articles"]),
            closed_articles=frozenset(document["closed_articles"]),
            # Versions stored before these settings existed lack them: the defaults are what those versions did.
            thresholds_by_language={
                language: {
                    "publish_below": float(pair["publish_below"]),
                    "reject_at": float(pair["reject_at"]),
                    "categories": _category_limits(pair.get("categories", {})),
                }
                for language, pair in document.get("thresholds_by_language", {}).items()
            },
            unsupported_language=str(document.get("unsupported_language", "hold")),
            category_thresholds=_category_limits(document.get("category_thresholds", {})),
            hold_after_rejections=int(document.get("hold_after_rejections", 0)),
            rejection_window_days=int(document.get("rejection_window_days", 30)),
            trust_after_published=int(document.get("trust_after_published", 0)),
            edit_window_minutes=int(document.get("edit_window_minutes", 5)),
        )

    def thresholds(self, language: str | None = None) -> Thresholds:
        """The score thresholds that decide a comment in `language` (the general pair when it has none of its own)."""
        own = self.thresholds_by_language.get(language or "")
        if own is None:
            return Thresholds(self.publish_below, self.reject_at, self.high_band, self.category_thresholds)
        categories = {**self.category_thresholds, **own["categories"]}
        return Thresholds(own["publish_below"], own["reject_at"], self.high_band, categories)

    @property
    def reads_author_history(self) -> bool:
        """Whether deciding a comment needs its author's record."""
        return self.hold_after_rejections > 0 or self.trust_after_published > 0

    def rule_settings(self) -> RuleSettings:
        """The part of the policy the word and behaviour rules read."""
        return RuleSettings(
            banned_terms=self.banned_terms,
            suspect_terms=self.suspect_terms,
            max_links=self.max_links,
            new_author_hold=self.new_author_hold,
            premoderated_articles=self.premoderated_articles,
        )

    def document(self) -> dict[str, Any]:
        """The policy as the API shows it."""
        return {
            "version": self.version,
            "publish_below": self.publish_below,
            "reject_at": self.reject_at,
            "high_band": self.high_band,
            "banned_terms": list(self.banned_terms),
            "suspect_terms": list(self.suspect_terms),
            "max_links": self.max_links,
            "new_author_hold": self.new_author_hold,
            "report_threshold": self.report_threshold,
            "audit_sample_rate": self.audit_sample_rate,
            "premoderated_articles": sorted(self.premoderated_articles),
            "closed_articles": sorted(self.closed_articles),
            "thresholds_by_language": {
                language: _language_document(pair) for language, pair in sorted(self.thresholds_by_language.items())
            },
            "unsupported_language": self.unsupported_language,
            "category_thresholds": _categories_document(self.category_thresholds),
            "hold_after_rejections": self.hold_after_rejections,
            "rejection_window_days": self.rejection_window_days,
            "trust_after_published": self.trust_after_published,
            "edit_window_minutes": self.edit_window_minutes,
        }


def _category_limits(document: Mapping[str, Mapping[str, float]]) -> dict[str, CategoryLimit]:
    return {name: CategoryLimit(limits.get("hold_at"), limits.get("reject_at")) for name, limits in document.items()}


def _categories_document(limits: Mapping[str, CategoryLimit]) -> dict[str, dict[str, float]]:
    return {name: limit.document() for name, limit in sorted(limits.items())}


def _language_document(pair: Mapping[str, Any]) -> dict[str, Any]:
    document: dict[str, Any] = {"publish_below": pair["publish_below"], "reject_at": pair["reject_at"]}
    if pair["categories"]:
        document["categories"] = _categories_document(pair["categories"])
    return document


@dataclass(frozen=True, slots=True)
class CategoryLimit:
    """One category's limits: at or above `hold_at` a person decides, at or above `reject_at` it is rejected."""

    hold_at: float | None = None
    reject_at: float | None = None

    def status(self, probability: float) -> Status | None:
        """The outcome this category asks for on its own, or None when it asks for nothing."""
        if self.reject_at is not None and probability >= self.reject_at:
            return Status.REJECTED
        if self.hold_at is not None and probability >= self.hold_at:
            return Status.PENDING
        return None

    def document(self) -> dict[str, float]:
        return {
            key: value for key, value in (("hold_at", self.hold_at), ("reject_at", self.reject_at)) if value is not None
        }


class LanguageScore(NamedTuple):
    """One language model's verdict on a comment: its overall score and its category scores."""

    language: str
    probability: float
    categories: Mapping[str, float] = MappingProxyType({})


class Band(StrEnum):
    """Where a score falls against a pair of thresholds."""

    LOW = "low"
    BORDERLINE = "borderline"
    HIGH = "high"


@dataclass(frozen=True, slots=True)
class Thresholds:
    """The thresholds that decide one comment. Chosen from the policy for that comment (one place to add
    per-language or per-category thresholds), so deciding, simulating and reporting all read the same value."""

    publish_below: float
    reject_at: float
    high_band: str = "reject"
    categories: Mapping[str, CategoryLimit] = field(default_factory=dict)

    def band(self, score: float) -> Band:
        """The only comparison of a score with the thresholds anywhere in the service."""
        if score >= self.reject_at:
            return Band.HIGH
        if score < self.publish_below:
            return Band.LOW
        return Band.BORDERLINE


_BAND_REASONS: dict[Band, list[str]] = {Band.LOW: [], Band.BORDERLINE: ["score_borderline"], Band.HIGH: ["score_high"]}


def outcome(score: float, thresholds: Thresholds) -> Status:
    """The outcome rule of DESIGN.md on a score alone: high band rejected (or held), low published, else pending."""
    band = thresholds.band(score)
    if band is Band.HIGH:
        return Status.REJECTED if thresholds.high_band == "reject" else Status.PENDING
    return Status.PUBLISHED if band is Band.LOW else Status.PENDING


def score_decision(
    score: float | None, thresholds: Thresholds, categories: Mapping[str, float] | None = None
) -> tuple[Status, list[Reason]]:
    """The outcome rule with its reasons: the overall score's outcome, made stricter by any category at or above its
    own limit (reason `category_<name>`). A comment that could not be scored always waits for a person."""
    if score is None:
        return Status.PENDING, [outcome_reason("unscored")]
    status = outcome(score, thresholds)
    reasons = [outcome_reason(code) for code in _BAND_REASONS[thresholds.band(score)]]
    for name, limit in thresholds.categories.items():
        asked = limit.status(categories[name]) if categories and name in categories else None
        if asked is not None:
            status = stricter(status, asked)
            reasons.append(outcome_reason(f"category_{name}"))
    return status, reasons


def language_decision(
    scores: Sequence[LanguageScore], unsupported: Sequence[str], policy: Policy
) -> tuple[Status, list[Reason], int | None]:
    """The outcome rule over every language of a comment: each covered language's score against that language's
    thresholds, and a language no model covers by `unsupported_language`; the strictest outcome wins. Also returns
    which score decided (None when none did). No score and nothing unsupported means the comment was not scored."""
    if not scores and not unsupported:
        status, reasons = score_decision(None, policy.thresholds())
        return status, reasons, None
    status, reasons, decisive = Status.PUBLISHED, [], None
    for index, (language, probability, categories) in enumerate(scores):
        candidate, candidate_reasons = score_decision(probability, policy.thresholds(language), categories)
        if decisive is None or stricter(status, candidate) != status:
            status, decisive = candidate, index
        reasons.extend(reason for reason in candidate_reasons if reason not in reasons)
    if unsupported:
        status = stricter(status, Status.REJECTED if policy.unsupported_language == "reject" else Status.PENDING)
        reasons.append(outcome_reason("unsupported_language"))
    return status, reasons, decisive


_LATEST_VERSION = select(func.max(PolicyVersion.id))
_DOCUMENT_OF_VERSION = select(PolicyVersion.document).where(PolicyVersion.id == bindparam("version"))


def current_policy(defaults: Mapping[str, Any], memo: PolicyMemo | None = None, max_age_seconds: float = 0.0) -> Policy:
    """The newest stored policy version, or the configured defaults as version 0 before any change.

    With a memo, a version already parsed is not parsed again (stored versions never change), and one indexed
    max(id) tells whether it is still the one in force. With `max_age_seconds` as well, the memo answers without the
    database for that long after the database last confirmed it, unless this process changed the policy since: a
    change made by another worker or host then applies within `max_age_seconds`."""
    if memo is not None and memo.fresh(max_age_seconds):
        assert memo.policy is not None
        return memo.policy
    changes_seen = _local_changes.count
    connection = db.session.connection()
    latest = connection.execute(_LATEST_VERSION).scalar()
    version = 0 if latest is None else int(latest)
    if memo is not None and memo.policy is not None and memo.policy.version == version:
        policy = memo.policy
    elif version == 0:
        policy = Policy.from_document(0, defaults)
    else:
        document = connection.execute(_DOCUMENT_OF_VERSION, {"version": version}).scalar_one()
        policy = Policy.from_document(version, document)
    if memo is not None:
        memo.remember(policy, changes_seen)
    return policy


class _ChangeCounter:
    """Policy changes committed by this process: a memo that has not seen the latest one is stale at once."""

    def __init__(self) -> None:
        self.count = 0
        self._lock = threading.Lock()

    def increment(self) -> None:
        with self._lock:
            self.count += 1


_local_changes = _ChangeCounter()


class PolicyMemo:
    """The last policy version a process parsed (one per app), and when the database last confirmed it."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.policy: Policy | None = None
        self._clock = clock
        self._confirmed_at = -math.inf
        self._changes_seen = -1

    def remember(self, policy: Policy, changes_seen: int) -> None:
        self.policy = policy
        self._confirmed_at = self._clock()
        self._changes_seen = changes_seen

    def fresh(self, max_age_seconds: float) -> bool:
        return (
            self.policy is not None
            and self._changes_seen == _local_changes.count
            and self._clock() - self._confirmed_at < max_age_seconds
        )


def change_policy(changes: Mapping[str, Any], actor: str, defaults: Mapping[str, Any]) -> Policy:
    """Validate a partial change, store it as a new version and audit old and new values."""
    validated = PolicyDocument().load(changes, partial=True)
    old = current_policy(defaults)
    merged = {**old.document(), **validated}
    merged.pop("version")
    PolicyDocument().load(merged)  # the thresholds must still be in order as a whole
    record = PolicyVersion(document=merged, created_by=actor)
    db.session.add(record)
    db.session.flush()
    changed = {
        key: {"old": old.document()[key], "new": merged[key]} for key in validated if old.document()[key] != merged[key]
    }
    audit.record(
        actor, "policy.changed", subject=f"policy:{record.id}", data={"version": record.id, "changes": changed}
    )
    db.session.commit()
    _local_changes.increment()
    return Policy.from_document(record.id, merged)
