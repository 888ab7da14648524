"""The review queue: list, claim (atomic leases), decide, bulk-decide, undo, notes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, insert, or_, select, update

from service import audit, webhooks
from service.auth import Principal, Role
from service.errors import CommentNotFound, Conflict, Forbidden, InvalidFields
from service.extensions import db
from service.policy import Policy
from service.reasons import APPROVE_REASONS, REJECT_REASONS
from service.records import AuditEvent, Comment, ModeratorNote, Verdict, utcnow
from service.status import QUEUED_STATUSES, Status

ORDERS = ("oldest", "score", "priority")
# The queue is ordered in Python for "priority"; beyond this many waiting items only the oldest are ranked.
PRIORITY_WINDOW = 5000


@dataclass(frozen=True)
class QueueFilter:
    article_id: str | None = None
    reason: str | None = None
    category: str | None = None
    min_age_seconds: int | None = None
    max_age_seconds: int | None = None
    campaign_id: str | None = None
    status: str | None = None


def priority(comment: Comment, policy: Policy, now: datetime) -> float:
    """Closeness to the nearest threshold (1 = on it, or unscored) times minutes waited."""
    waited_minutes = max((now - comment.created_at).total_seconds() / 60, 0.0) + 1.0
    if comment.score is None:
        return waited_minutes
    distance = min(abs(comment.score - policy.publish_below), abs(comment.score - policy.reject_at))
    return (1.0 - min(distance, 1.0)) * waited_minutes


def _queued_query(filters: QueueFilter, now: datetime) -> Any:
    query = select(Comment).where(Comment.status.in_([str(s) for s in QUEUED_STATUSES]))
    if filters.status:
        query = query.where(Comment.status == filters.status)
    if filters.article_id:
        query = query.where(Comment.article_id == filters.article_id)
    if filters.campaign_id:
        query = query.where(Comment.campaign_id == filters.campaign_id)
    if filters.min_age_seconds is not None:
        query = query.where(Comment.created_at <= now - timedelta(seconds=filters.min_age_seconds))
    if filters.max_age_seconds is not None:
        query = query.where(Comment.created_at >= now - timedelta(seconds=filters.max_age_seconds))
    return query


def _matches_json_filters(comment: Comment, filters: QueueFilter) -> bool:
    # Reasons and categories are JSON; filtering them in Python keeps one code path for SQLite and PostgreSQL.
    if filters.reason and filters.reason not in {r["code"] for r in comment.reasons}:
        return False
    if filters.category:
        scores = comment.categories or {}
        top = max(scores, key=lambda name: scores[name]) if scores else None
        if top != filters.category:
            return False
    return True


def list_queue(filters: QueueFilter, order: str, limit: int, offset: int, policy: Policy) -> tuple[list[Comment], int]:
    """Waiting items in the requested order, and the total matching."""
    now = utcnow()
    query = _queued_query(filters, now).order_by(Comment.created_at, Comment.id).limit(PRIORITY_WINDOW)
    items = [c for c in db.session.scalars(query) if _matches_json_filters(c, filters)]
    if order == "score":
        items.sort(key=lambda c: (-(c.score if c.score is not None else 2.0), c.created_at))
    elif order == "priority":
        items.sort(key=lambda c: -priority(c, policy, now))
    return items[offset : offset + limit], len(items)


def _claim_rows(connection: Connection, holder: str, limit: int, lease: timedelta, skip_locked: bool) -> list[int]:
    now = utcnow()
    table = Comment.__table__
    available = or_(table.c.lease_expires_at.is_(None), table.c.lease_expires_at < now, table.c.lease_holder == holder)
    query = (
        select(table.c.id)
        .where(table.c.status.in_([str(s) for s in QUEUED_STATUSES]), available)
        .order_by((table.c.lease_holder == holder).desc(), table.c.created_at, table.c.id)
        .limit(limit)
    )
    if skip_locked:
        query = query.with_for_update(skip_locked=True)
    ids = list(connection.scalars(query))
    if ids:
        expires = now + lease
        connection.execute(
            update(table)
            .where(table.c.id.in_(ids))
            .values(lease_holder=holder, lease_expires_at=expires, updated_at=now)
        )
        connection.execute(
            insert(AuditEvent.__table__),
            [
                {
                    "created_at": now,
                    "actor": holder,
                    "action": "queue.claimed",
                    "comment_id": i,
                    "data": {"lease_expires_at": expires.isoformat()},
                }
                for i in ids
            ],
        )
    return ids


def claim(principal: Principal, limit: int, lease_seconds: int) -> list[Comment]:
    """Lease the caller's next `limit` items; no item is ever leased to two moderators at once.

    PostgreSQL: row locks that skip rows another claimer holds. SQLite: one IMMEDIATE transaction, which takes the
    write lock before reading, so concurrent claimers run one after another.
    """
    lease = timedelta(seconds=lease_seconds)
    engine = db.engine
    if engine.dialect.name == "sqlite":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
            try:
                ids = _claim_rows(connection, principal.actor, limit, lease, skip_locked=False)
                connection.exec_driver_sql("COMMIT")
            except BaseException:
                connection.exec_driver_sql("ROLLBACK")
                raise
    else:
        with engine.begin() as connection:
            ids = _claim_rows(connection, principal.actor, limit, lease, skip_locked=True)
    if not ids:
        return []
    db.session.expire_all()
    rows = db.session.scalars(select(Comment).where(Comment.id.in_(ids)).order_by(Comment.created_at, Comment.id))
    return list(rows)


def _reason_code(action: str, reason: str | None) -> str:
    allowed = APPROVE_REASONS if action == "approve" else REJECT_REASONS
    if reason is None:
        if action == "reject":
            raise InvalidFields(fields={"reason": [f"A reject needs a reason: one of {', '.join(REJECT_REASONS)}."]})
        return "acceptable"
    if reason not in allowed:
        raise InvalidFields(fields={"reason": [f"Must be one of: {', '.join(allowed)}."]})
    return reason


def record_verdict(
    comment_id: int,
    principal: Principal,
    action: str,
    reason: str | None = None,
    reason_text: str | None = None,
    note: str | None = None,
    *,
    commit: bool = True,
) -> Comment:
    """Approve or reject a queued comment; 409 when it was decided already or someone else holds its lease."""
    code = _reason_code(action, reason)
    comment = db.session.get(Comment, comment_id)
    if comment is None:
        raise CommentNotFound()
    if comment.status not in QUEUED_STATUSES:
        raise Conflict(f"This comment was already decided ({comment.status}).")
    now = utcnow()
    new_status = Status.PUBLISHED if action == "approve" else Status.REJECTED
    from_status = comment.status
    # One conditional UPDATE decides the race: only a queued comment that nobody else holds a live lease on.
    result = db.session.execute(
        update(Comment)
        .where(
            Comment.id == comment_id,
            Comment.status.in_([str(s) for s in QUEUED_STATUSES]),
            or_(
                Comment.lease_holder.is_(None),
                Comment.lease_holder == principal.actor,
                Comment.lease_expires_at < now,
            ),
        )
        .values(
            status=new_status,
            decided_by=principal.actor,
            decided_at=now,
            lease_holder=None,
            lease_expires_at=None,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        db.session.rollback()
        raise Conflict("Another moderator holds this comment or decided it first.")
    db.session.add(
        Verdict(
            comment_id=comment_id,
            moderator=principal.actor,
            action=action,
            reason_code=code,
            reason_text=reason_text,
            from_status=from_status,
            to_status=new_status,
            model_version=comment.model_version,
            policy_version=comment.policy_version,
            score=comment.score,
            audit_sample=comment.audit_sample,
            automatic_status=comment.automatic_status,
            created_at=now,
        )
    )
    if note:
        db.session.add(ModeratorNote(comment_id=comment_id, author=principal.actor, text=note, created_at=now))
    audit.record(
        principal.actor,
        f"comment.{'approved' if action == 'approve' else 'rejected'}",
        comment_id=comment_id,
        from_status=from_status,
        to_status=new_status,
        reason=code,
        data={"reason_text": reason_text, "note": bool(note)},
    )
    webhooks.comment_decided(comment, new_status, principal.actor)
    if commit:
        db.session.commit()
    db.session.refresh(comment)
    return comment


@dataclass(frozen=True)
class BulkResult:
    decided: list[Comment]
    conflicts: dict[int, str]


def bulk_decide(
    principal: Principal,
    action: str,
    reason: str | None,
    ids: Sequence[int] = (),
    campaign_id: str | None = None,
    note: str | None = None,
) -> BulkResult:
    """Decide a selection or a whole campaign; items someone else holds are reported, not overridden."""
    selected = list(ids)
    if campaign_id:
        selected += list(
            db.session.scalars(
                select(Comment.id).where(
                    Comment.campaign_id == campaign_id, Comment.status.in_([str(s) for s in QUEUED_STATUSES])
                )
            )
        )
    if not selected:
        raise InvalidFields(fields={"ids": ["Nothing to decide: give ids or a campaign_id with queued comments."]})
    decided, conflicts = [], {}
    for comment_id in dict.fromkeys(selected):
        try:
            decided.append(record_verdict(comment_id, principal, action, reason, note=note))
        except (Conflict, CommentNotFound) as exc:
            conflicts[comment_id] = exc.message
    return BulkResult(decided=decided, conflicts=conflicts)


def undo(comment_id: int, principal: Principal) -> Comment:
    """An admin takes back the latest human decision: the comment returns to the queue, the verdict stops teaching."""
    if principal.role != Role.ADMIN:
        raise Forbidden("Only an admin can undo a decision.")
    verdict = db.session.scalars(
        select(Verdict)
        .where(Verdict.comment_id == comment_id, Verdict.undone_at.is_(None))
        .order_by(Verdict.id.desc())
        .limit(1)
    ).first()
    if verdict is None:
        raise Conflict("There is no decision on this comment to undo.")
    now = utcnow()
    result = db.session.execute(
        update(Comment)
        .where(and_(Comment.id == comment_id, Comment.status == verdict.to_status))
        .values(status=verdict.from_status, decided_by=None, decided_at=None, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        db.session.rollback()
        raise Conflict("The comment changed since that decision; nothing was undone.")
    verdict.undone_at = now
    audit.record(
        principal.actor,
        "comment.decision_undone",
        comment_id=comment_id,
        from_status=verdict.to_status,
        to_status=verdict.from_status,
        data={"verdict_id": verdict.id, "moderator": verdict.moderator},
    )
    db.session.commit()
    comment = db.session.get(Comment, comment_id)
    assert comment is not None
    db.session.refresh(comment)
    return comment


def add_note(comment_id: int, principal: Principal, text: str) -> ModeratorNote:
    """A private note on a comment, visible to moderators only."""
    if db.session.get(Comment, comment_id) is None:
        raise CommentNotFound()
    note = ModeratorNote(comment_id=comment_id, author=principal.actor, text=text)
    db.session.add(note)
    audit.record(principal.actor, "comment.note_added", comment_id=comment_id)
    db.session.commit()
    return note


def notes_for(comment_id: int) -> list[ModeratorNote]:
    return list(
        db.session.scalars(
            select(ModeratorNote).where(ModeratorNote.comment_id == comment_id).order_by(ModeratorNote.id)
        )
    )


def get_comment(comment_id: int) -> Comment:
    """Any comment, for moderators."""
    comment = db.session.get(Comment, comment_id)
    if comment is None:
        raise CommentNotFound()
    return comment
