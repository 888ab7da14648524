"""The review queue: list, claim (atomic leases), decide, bulk-decide, undo, notes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, case, false, func, insert, or_, select, text, update

from service import audit, webhooks
from service.auth import Principal, Role
from service.errors import CommentNotFound, Conflict, Forbidden, InvalidFields
from service.extensions import db
from service.policy import Policy
from service.reasons import APPROVE_REASONS, REJECT_REASONS
from service.records import AuditEvent, Comment, ModeratorNote, Verdict, utcnow
from service.status import QUEUED_STATUSES, Status

ORDERS = ("oldest", "score", "priority")
_QUEUED = [str(s) for s in QUEUED_STATUSES]
_QUEUED_SQL = text("comment.status IN ('pending', 'reported')")
assert _QUEUED == ["pending", "reported"], "_QUEUED_SQL and the partial indexes spell the queued statuses"


@dataclass(frozen=True)
class QueueFilter:
    article_id: str | None = None
    reason: str | None = None
    category: str | None = None
    min_age_seconds: int | None = None
    max_age_seconds: int | None = None
    campaign_id: str | None = None
    status: str | None = None
    language: str | None = None


def priority(comment: Comment, policy: Policy, now: datetime) -> float:
    """Closeness to the nearest threshold (1 = on it, or unscored) times minutes waited."""
    waited_minutes = max((now - comment.created_at).total_seconds() / 60, 0.0) + 1.0
    if comment.score is None:
        return waited_minutes
    distance = min(abs(comment.score - policy.publish_below), abs(comment.score - policy.reject_at))
    return (1.0 - min(distance, 1.0)) * waited_minutes


def _dialect() -> str:
    return str(db.session.get_bind().dialect.name)


def _least(a: Any, b: Any) -> Any:
    return case((a < b, a), else_=b)


def _priority_expression(policy: Policy, now: datetime, dialect: str) -> Any:
    """`priority` computed by the database, so that ordering by it is exact at any depth."""
    if dialect == "postgresql":
        # Double precision throughout (extract() is numeric: several times slower over a deep queue), each part
        # computed once.
        waited = func.greatest((now.timestamp() - func.date_part("epoch", Comment.created_at)) / 60.0, 0.0) + 1.0
        nearest = func.least(
            func.abs(Comment.score - policy.publish_below), func.abs(Comment.score - policy.reject_at), 1.0
        )
        return case((Comment.score.is_(None), waited), else_=(1.0 - nearest) * waited)
    else:
        # SQLite stores naive UTC text; julianday reads it (and the bound naive UTC value) in days.
        naive = now.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")
        age_seconds = (func.julianday(naive) - func.julianday(Comment.created_at)) * 86400.0
    waited_minutes = case((age_seconds > 0, age_seconds / 60.0), else_=0.0) + 1.0
    distance = _least(func.abs(Comment.score - policy.publish_below), func.abs(Comment.score - policy.reject_at))
    closeness = 1.0 - _least(distance, 1.0)
    return case((Comment.score.is_(None), waited_minutes), else_=closeness * waited_minutes)


def _reason_clause(code: str) -> Any:
    """Reasons are a JSON list of {"code": ...}: the code must be one of them. `reason_codes` (kept by the database
    from `reasons`) holds every code between spaces, so this is one LIKE on a column the queue index covers."""
    if not code or " " in code:
        return false()
    escaped = code.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return Comment.reason_codes.like(f"% {escaped} %", escape="\\")


def _filtered(query: Any, filters: QueueFilter, now: datetime) -> Any:
    # The partial indexes' own predicate, as literals: a bound parameter list would not prove it in a generic plan.
    query = query.where(_QUEUED_SQL)
    if filters.status:
        query = query.where(Comment.status == filters.status)
    if filters.language:
        query = query.where(Comment.language == filters.language)
    if filters.article_id:
        query = query.where(Comment.article_id == filters.article_id)
    if filters.campaign_id:
        query = query.where(Comment.campaign_id == filters.campaign_id)
    if filters.min_age_seconds is not None:
        query = query.where(Comment.created_at <= now - timedelta(seconds=filters.min_age_seconds))
    if filters.max_age_seconds is not None:
        query = query.where(Comment.created_at >= now - timedelta(seconds=filters.max_age_seconds))
    if filters.reason:
        query = query.where(_reason_clause(filters.reason))
    if filters.category:
        # The top category: highest probability, the first listed on a tie (as Python's max over the dict).
        query = query.where(Comment.top_category == filters.category)
    return query


def list_queue(filters: QueueFilter, order: str, limit: int, offset: int, policy: Policy) -> tuple[list[Comment], int]:
    """One page of waiting items in the requested order, and the exact total matching; both computed by the
    database (filters, order and count), so they hold at any queue depth."""
    now = utcnow()
    dialect = _dialect()
    if dialect == "postgresql":
        # A deep queue is tens of thousands of covering-index entries: one process reads them sooner than it can
        # start parallel workers.
        db.session.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))
    tie_break = (Comment.created_at, Comment.id)
    if order == "score":
        ordering: tuple[Any, ...] = (func.coalesce(Comment.score, 2.0).desc(), *tie_break)
    elif order == "priority":
        ordering = (_priority_expression(policy, now, dialect).desc(), *tie_break)
    else:
        ordering = tie_break
    # The page's ids first (read from the covering queue index alone), then those rows whole.
    page = _filtered(select(Comment.id), filters, now).order_by(*ordering).limit(limit).offset(offset)
    ids = list(db.session.scalars(page))
    rows = comments_by_id(set(ids))
    total = db.session.execute(_filtered(select(func.count()).select_from(Comment), filters, now)).scalar_one()
    return [rows[i] for i in ids if i in rows], int(total)


def waiting_counts(language: str | None = None) -> dict[str, int]:
    """How many comments wait, by queue status (one COUNT(*) per status on the queue's partial indexes)."""
    query = select(Comment.status, func.count()).where(Comment.status.in_(_QUEUED))
    if language:
        query = query.where(Comment.language == language)
    found = {status: count for status, count in db.session.execute(query.group_by(Comment.status))}
    counts = {status: int(found.get(status, 0)) for status in _QUEUED}
    counts["total"] = sum(counts.values())
    return counts


def _claim_rows(connection: Connection, holder: str, limit: int, lease: timedelta, skip_locked: bool) -> list[int]:
    now = utcnow()
    table = Comment.__table__
    queued = table.c.status.in_(_QUEUED)
    order = (table.c.created_at, table.c.id)
    # The caller's own leases first (ix_comment_queue_holder), then the oldest free items (ix_comment_queue_created):
    # two index walks instead of one sort by (lease_holder = holder) of the whole queue.
    mine = select(table.c.id).where(queued, table.c.lease_holder == holder).order_by(*order).limit(limit)
    free = (
        select(table.c.id)
        .where(queued, or_(table.c.lease_expires_at.is_(None), table.c.lease_expires_at < now))
        .order_by(*order)
        .limit(limit)
    )
    if skip_locked:
        mine, free = mine.with_for_update(skip_locked=True), free.with_for_update(skip_locked=True)
    ids = list(connection.scalars(mine))
    if len(ids) < limit:
        taken = set(ids)
        ids += [i for i in connection.scalars(free) if i not in taken][: limit - len(ids)]
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


def leased_to(principal: Principal, limit: int) -> list[Comment]:
    """The waiting items whose live lease the caller holds, oldest first; reads only (claiming is `claim`)."""
    query = (
        select(Comment)
        .where(
            Comment.status.in_(_QUEUED), Comment.lease_holder == principal.actor, Comment.lease_expires_at > utcnow()
        )
        .order_by(Comment.created_at, Comment.id)
        .limit(limit)
    )
    return list(db.session.scalars(query))


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
    if not ids and not campaign_id:
        raise InvalidFields(fields={"ids": ["Nothing to decide: give ids or a campaign_id."]})
    _reason_code(action, reason)  # a wrong reason is refused even when nothing is left to decide
    # A campaign with nothing left in the queue decides nothing: a second moderator's click on the same campaign.
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
    comment = db.session.get(Comment, comment_id)
    assert comment is not None
    db.session.refresh(comment)  # the UPDATE above, seen in this transaction
    # The article site cached the decision (e.g. shows the comment): tell it, in the same transaction.
    webhooks.enqueue("comment.decided", comment, decided_by=principal.actor, undone=True)
    db.session.commit()
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


def comments_by_id(ids: set[int]) -> dict[int, Comment]:
    """Several comments in one query, by id (missing ones are absent)."""
    if not ids:
        return {}
    return {c.id: c for c in db.session.scalars(select(Comment).where(Comment.id.in_(sorted(ids))))}


def get_comment(comment_id: int) -> Comment:
    """Any comment, for moderators."""
    comment = db.session.get(Comment, comment_id)
    if comment is None:
        raise CommentNotFound()
    return comment
