"""Database tables (records). The domain modules read and write these; routes never touch them directly."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    FetchedValue,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, mapped_column

from service.extensions import db

# The waiting statuses (service.status.QUEUED_STATUSES) as the partial indexes of the queue name them.
_QUEUED = text("status IN ('pending', 'reported')")
_SHADOWED = text("shadow_model_version IS NOT NULL")
# Integer columns are 32-bit on PostgreSQL: every id or count a client sends is bounded by this before it is queried.
MAX_INTEGER = 2**31 - 1


def _partial(where: Any) -> dict[str, Any]:
    return {"postgresql_where": where, "sqlite_where": where}


def utcnow() -> datetime:
    """The current time, timezone-aware UTC: every timestamp we store."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC and always returns timezone-aware datetimes, on SQLite (no time zones) as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use service.records.utcnow()")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


JsonDict = dict[str, Any]


class Comment(db.Model):  # type: ignore[name-defined,misc]
    """A reader comment with the score, model and policy version that decided it."""

    __tablename__ = "comment"
    __table_args__ = (
        Index("ix_comment_article_status_created", "article_id", "status", "created_at", "id"),
        Index("ix_comment_status_created", "status", "created_at"),
        # The queue: oldest-first pages and claims walk these in order; counts read them alone.
        # Covering on PostgreSQL: filters, orders and counts read the index alone.
        Index(
            "ix_comment_queue_created",
            "created_at",
            "id",
            postgresql_include=[
                "status",
                "score",
                "language",
                "top_category",
                "reason_codes",
                "article_id",
                "campaign_id",
                "lease_expires_at",
            ],  # fmt: skip
            **_partial(_QUEUED),
        ),
        Index("ix_comment_queue_holder", "lease_holder", "created_at", "id", **_partial(_QUEUED)),
        Index("ix_comment_queue_language", "language", "status", "created_at", "id", **_partial(_QUEUED)),
        # The simulation window (created_at first), covering the columns it aggregates.
        Index("ix_comment_created_score", "created_at", "score", "language"),
        Index(
            "ix_comment_shadow",
            "shadow_model_version",
            "id",
            "score",
            "shadow_score",
            postgresql_include=["human_action", "excluded_from_training"],
            **_partial(_SHADOWED),
        ),
        # Privacy lookups match addresses case-insensitively.
        Index("ix_comment_author_email_lower", text("lower(author_email)")),
        # An author's record (service.authors) is counted from this index alone.
        Index("ix_comment_author_status_created", "author_key", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comment.id"), index=True)
    author_name: Mapped[str] = mapped_column(String(80))
    # Nullable so that erasing an author removes the address itself.
    author_email: Mapped[str | None] = mapped_column(String(320), index=True)
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    # ISO 639-1 code of the comment's language as identified at submission ("und" when undetermined).
    language: Mapped[str | None] = mapped_column(String(8))
    score: Mapped[float | None] = mapped_column(Float)
    categories: Mapped[JsonDict] = mapped_column(JSON, default=dict)
    explanation: Mapped[list[JsonDict]] = mapped_column(JSON, default=list)
    # Per category that held or rejected the comment (reason category_<name>): the words behind that category's score.
    category_explanations: Mapped[dict[str, list[JsonDict]] | None] = mapped_column(JSON, default=dict)
    model_version: Mapped[str | None] = mapped_column(String(64))
    policy_version: Mapped[int | None] = mapped_column(Integer)
    reasons: Mapped[list[JsonDict]] = mapped_column(JSON, default=list)
    # What the machine decided, kept when a blind audit sample sends the comment to people anyway.
    automatic_status: Mapped[str | None] = mapped_column(String(16))
    audit_sample: Mapped[bool] = mapped_column(Boolean, default=False)
    campaign_id: Mapped[str | None] = mapped_column(String(64), index=True)
    body_fingerprint: Mapped[str | None] = mapped_column(String(64), index=True)
    ip_hash: Mapped[str | None] = mapped_column(String(64))
    shadow_score: Mapped[float | None] = mapped_column(Float)
    shadow_model_version: Mapped[str | None] = mapped_column(String(64))
    lease_holder: Mapped[str | None] = mapped_column(String(80))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by: Mapped[str | None] = mapped_column(String(80))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # True once the author was erased: the text never again becomes training data.
    excluded_from_training: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    # Kept by the database (migration 0007's triggers), never written by the code: the queue filters on them and
    # the shadow report groups by them without reading the JSON or the verdicts row by row.
    # The top category (highest probability, the first listed on a tie), as Python's max over `categories`.
    top_category: Mapped[str | None] = mapped_column(String(40), server_default=FetchedValue())
    # Every reason code between spaces: " duplicate score_high ".
    reason_codes: Mapped[str | None] = mapped_column(Text, server_default=FetchedValue())
    # The action of the latest standing (not undone) verdict, or None.
    human_action: Mapped[str | None] = mapped_column(String(16), server_default=FetchedValue())
    # True when the reader posted it anyway after the nudge before posting (service.nudge) warned them.
    nudged: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Who wrote it (service.authors): a keyed hash of the e-mail address or of an integration's subject.
    author_key: Mapped[str | None] = mapped_column(String(64))
    # SHA-256 of the edit token handed to the author at creation (service.edits); the token itself is never stored.
    edit_token_hash: Mapped[str | None] = mapped_column(String(64))


class ScoreDay(db.Model):  # type: ignore[name-defined,misc]
    """Per UTC day of creation, language ('' for none) and score bin (service.simulate.bin_index): how many comments
    were scored and how many standing verdicts approved or rejected them. Kept by triggers (migration 0007) in the
    transaction of every comment insert, verdict and undo, so a simulation sums at most days x bins rows."""

    __tablename__ = "score_day"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    language: Mapped[str] = mapped_column(String(8), primary_key=True)
    bin: Mapped[int] = mapped_column(Integer, primary_key=True)
    scored: Mapped[int] = mapped_column(Integer)
    approved: Mapped[int] = mapped_column(Integer)
    rejected: Mapped[int] = mapped_column(Integer)


class ShadowCell(db.Model):  # type: ignore[name-defined,misc]
    """Per shadow model version, active score bin, shadow score bin (1/100 each, service.learning.cell_bin) and the
    comment's standing human action ('' for none, or an erased author's): how many comments both models scored. Kept
    by triggers (migration 0008) in the transaction of every write that moves a comment, so the shadow report sums
    at most 100 x 100 x 3 rows of a version."""

    __tablename__ = "shadow_cell"

    shadow_model_version: Mapped[str] = mapped_column(String(64), primary_key=True)
    active_bin: Mapped[int] = mapped_column(Integer, primary_key=True)
    shadow_bin: Mapped[int] = mapped_column(Integer, primary_key=True)
    action: Mapped[str] = mapped_column(String(16), primary_key=True)
    comments: Mapped[int] = mapped_column(Integer)


class BodyBand(db.Model):  # type: ignore[name-defined,misc]
    """One band of a comment's body fingerprint: finding repeats is an index lookup, not a scan of recent comments."""

    __tablename__ = "body_band"
    __table_args__ = (Index("ix_body_band_band_created", "band", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comment.id"), index=True)
    band: Mapped[str] = mapped_column(String(24))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AuditEvent(db.Model):  # type: ignore[name-defined,misc]
    """One append-only line of who did what, when, from which state to which, and why."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(40), index=True)
    comment_id: Mapped[int | None] = mapped_column(Integer, index=True)
    subject: Mapped[str | None] = mapped_column(String(200))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    data: Mapped[JsonDict] = mapped_column(JSON, default=dict)


class ApiToken(db.Model):  # type: ignore[name-defined,misc]
    """An API token: only the SHA-256 of the secret is stored."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    role: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class PageSession(db.Model):  # type: ignore[name-defined,misc]
    """A signed-in page session: the cookie holds a random key, only its SHA-256 is kept; ended = signed out."""

    __tablename__ = "page_session"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    token_id: Mapped[int] = mapped_column(ForeignKey("api_token.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class UsedFormToken(db.Model):  # type: ignore[name-defined,misc]
    """A comment-form token already spent: each token counts once; rows are purged once the token has expired."""

    __tablename__ = "used_form_token"

    nonce: Mapped[str] = mapped_column(String(32), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class PolicyVersion(db.Model):  # type: ignore[name-defined,misc]
    """One immutable version of the policy document; the highest id is in force."""

    __tablename__ = "policy_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document: Mapped[JsonDict] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Report(db.Model):  # type: ignore[name-defined,misc]
    """A reader's report of a published comment; one per reporter per comment."""

    __tablename__ = "report"
    __table_args__ = (UniqueConstraint("comment_id", "reporter_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comment.id"), index=True)
    reporter_key: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(40))
    text: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Verdict(db.Model):  # type: ignore[name-defined,misc]
    """A moderator's decision on a comment: also a labelled training example with its provenance."""

    __tablename__ = "verdict"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comment.id"), index=True)
    moderator: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(16))
    reason_code: Mapped[str | None] = mapped_column(String(40))
    reason_text: Mapped[str | None] = mapped_column(String(500))
    from_status: Mapped[str] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    model_version: Mapped[str | None] = mapped_column(String(64))
    policy_version: Mapped[int | None] = mapped_column(Integer)
    score: Mapped[float | None] = mapped_column(Float)
    audit_sample: Mapped[bool] = mapped_column(Boolean, default=False)
    automatic_status: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    # Set when an admin undoes the decision; an undone verdict is no longer a training example.
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ModeratorNote(db.Model):  # type: ignore[name-defined,misc]
    """A private note a moderator leaves on a comment."""

    __tablename__ = "moderator_note"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comment.id"), index=True)
    author: Mapped[str] = mapped_column(String(80))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ModelRegistration(db.Model):  # type: ignore[name-defined,misc]
    """A classifier version known to this site, with its state: candidate, shadow, active or retired."""

    __tablename__ = "model_registration"

    version: Mapped[str] = mapped_column(String(64), primary_key=True)
    path: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), index=True)
    metrics: Mapped[JsonDict] = mapped_column(JSON, default=dict)
    training_summary: Mapped[JsonDict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class AuthorRestriction(db.Model):  # type: ignore[name-defined,misc]
    """A suspension (until `ends_at`) or a ban (no end) of an author; lifting it keeps the row as history."""

    __tablename__ = "author_restriction"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    author_key: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reason: Mapped[str | None] = mapped_column(String(500))
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    lifted_by: Mapped[str | None] = mapped_column(String(80))


class CommentRevision(db.Model):  # type: ignore[name-defined,misc]
    """A comment as it was before an author's edit: the text and the decision the edit replaced."""

    __tablename__ = "comment_revision"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comment.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    score: Mapped[float | None] = mapped_column(Float)
    reasons: Mapped[list[JsonDict]] = mapped_column(JSON, default=list)
    model_version: Mapped[str | None] = mapped_column(String(64))
    policy_version: Mapped[int | None] = mapped_column(Integer)
    # When this text was replaced.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class WebhookEndpoint(db.Model):  # type: ignore[name-defined,misc]
    """An admin-registered receiver of events, with the secret that signs them and how its last delivery went."""

    __tablename__ = "webhook_endpoint"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(500))
    # Kept as given: signing needs it. Comma-wrapped event names (",comment.published,") so that one LIKE selects
    # the subscribers of an event on SQLite and PostgreSQL alike.
    secret: Mapped[str] = mapped_column(String(200))
    events: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_status: Mapped[str | None] = mapped_column(String(200))
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class WebhookDelivery(db.Model):  # type: ignore[name-defined,misc]
    """The durable outbox: one event for one endpoint, written in the transaction of the change it reports."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (Index("ix_webhook_delivery_state_due", "state", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoint.id"), index=True)
    event: Mapped[str] = mapped_column(String(40))
    # The exact JSON body that is signed and sent.
    body: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_status: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
