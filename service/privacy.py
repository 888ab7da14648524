"""Personal data: export everything stored about an e-mail address, erase it, and purge old IP-address hashes."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update

from service import audit, authors, suspensions
from service.extensions import db
from service.networks import keyed_hash
from service.records import AuditEvent, Comment, CommentRevision, ModeratorNote, Report, Verdict, utcnow

logger = logging.getLogger(__name__)
ERASED_NAME = "[erased]"


def normalise_email(email: str) -> str:
    """Addresses match case-insensitively, as people type them in any case."""
    return email.strip().lower()


def email_subject(secret: str, email: str) -> str:
    """How audit events name an address: a keyed hash, so the log itself never holds the address."""
    return "email:" + keyed_hash(secret, "email", normalise_email(email))[:32]


def _comments_of(email: str) -> list[Comment]:
    return list(
        db.session.scalars(
            select(Comment).where(func.lower(Comment.author_email) == normalise_email(email)).order_by(Comment.id)
        )
    )


def _revisions_of(comment_ids: list[int]) -> list[CommentRevision]:
    if not comment_ids:
        return []
    query = select(CommentRevision).where(CommentRevision.comment_id.in_(comment_ids)).order_by(CommentRevision.id)
    return list(db.session.scalars(query))


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def export_email(email: str, secret: str, actor: str) -> dict[str, Any]:
    """Everything stored about an address, as JSON-ready data; the export itself is audited (by hash)."""
    comments = _comments_of(email)
    ids = [comment.id for comment in comments]
    reports = list(db.session.scalars(select(Report).where(Report.comment_id.in_(ids)))) if ids else []
    verdicts = list(db.session.scalars(select(Verdict).where(Verdict.comment_id.in_(ids)))) if ids else []
    notes = list(db.session.scalars(select(ModeratorNote).where(ModeratorNote.comment_id.in_(ids)))) if ids else []
    events = (
        list(db.session.scalars(select(AuditEvent).where(AuditEvent.comment_id.in_(ids)).order_by(AuditEvent.id)))
        if ids
        else []
    )
    document = {
        "email": normalise_email(email),
        "exported_at": utcnow().isoformat(),
        "comments": [
            {
                "id": c.id,
                "article_id": c.article_id,
                "parent_id": c.parent_id,
                "author_name": c.author_name,
                "author_email": c.author_email,
                "body": c.body,
                "status": c.status,
                "score": c.score,
                "categories": c.categories,
                "model_version": c.model_version,
                "policy_version": c.policy_version,
                "reasons": c.reasons,
                "ip_hash": c.ip_hash,
                "excluded_from_training": c.excluded_from_training,
                "created_at": _iso(c.created_at),
                "updated_at": _iso(c.updated_at),
                "decided_at": _iso(c.decided_at),
            }
            for c in comments
        ],
        "reports_received": [
            {"comment_id": r.comment_id, "reason": r.reason, "created_at": _iso(r.created_at)} for r in reports
        ],
        "moderator_decisions": [
            {
                "comment_id": v.comment_id,
                "action": v.action,
                "reason_code": v.reason_code,
                "reason_text": v.reason_text,
                "from_status": v.from_status,
                "to_status": v.to_status,
                "created_at": _iso(v.created_at),
            }
            for v in verdicts
        ],
        "moderator_notes": [
            {"comment_id": n.comment_id, "text": n.text, "created_at": _iso(n.created_at)} for n in notes
        ],
        "audit_events": [
            {
                "comment_id": e.comment_id,
                "action": e.action,
                "actor": e.actor,
                "from_status": e.from_status,
                "to_status": e.to_status,
                "reason": e.reason,
                "created_at": _iso(e.created_at),
            }
            for e in events
        ],
        "author_restrictions": [
            {
                "kind": r.kind,
                "ends_at": _iso(r.ends_at),
                "reason": r.reason,
                "created_at": _iso(r.created_at),
                "lifted_at": _iso(r.lifted_at),
            }
            for r in suspensions.history(authors.email_author_key(secret, email))
        ],
        "comment_revisions": [
            {"comment_id": r.comment_id, "body": r.body, "status": r.status, "replaced_at": _iso(r.created_at)}
            for r in _revisions_of(ids)
        ],
    }
    audit.record(actor, "privacy.exported", subject=email_subject(secret, email), data={"comments": len(comments)})
    db.session.commit()
    return document


def erase_email(email: str, secret: str, actor: str) -> int:
    """Anonymise an author's comments: name replaced, address and IP hash removed, never again training data."""
    comments = _comments_of(email)
    for comment in comments:
        comment.author_name = ERASED_NAME
        comment.author_email = None
        comment.ip_hash = None
        comment.author_key = None  # the author's record (service.authors) goes with the address
        comment.excluded_from_training = True
    restrictions = suspensions.erase(authors.email_author_key(secret, email))
    # The texts an author's edits replaced are theirs too.
    if comments:
        db.session.execute(delete(CommentRevision).where(CommentRevision.comment_id.in_([c.id for c in comments])))
    audit.record(
        actor,
        "privacy.erased",
        subject=email_subject(secret, email),
        data={
            "comments": len(comments),
            "comment_ids": [comment.id for comment in comments],
            "author_restrictions": restrictions,
        },
    )
    db.session.commit()
    logger.info("privacy erased comments=%s", len(comments))
    return len(comments)


def purge_ip_hashes(retention_days: int, actor: str = "system", now: datetime | None = None) -> int:
    """Remove IP-address hashes older than the retention period; run daily from cron (`moderato privacy purge-ips`)."""
    cutoff = (now or utcnow()) - timedelta(days=retention_days)
    result = db.session.execute(
        update(Comment)
        .where(Comment.ip_hash.is_not(None), Comment.created_at < cutoff)
        .values(ip_hash=None)
        .execution_options(synchronize_session=False)
    )
    purged = int(result.rowcount or 0)  # type: ignore[attr-defined]
    if purged:
        audit.record(actor, "privacy.ip_hashes_purged", data={"comments": purged, "cutoff": cutoff.isoformat()})
    db.session.commit()
    logger.info("privacy ip hashes purged comments=%s retention_days=%s", purged, retention_days)
    return purged
