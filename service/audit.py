"""The append-only audit log: what an event holds, its writer, and its readers (search, one comment's trail, export).

Events are only ever inserted: here, and for the submission of a comment by service.comment_store, in the same
statement as the comment itself."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert, select

from service.errors import InvalidFields
from service.extensions import db
from service.records import AuditEvent

AUDIT_TABLE = cast(Table, AuditEvent.__table__)
INSERT_EVENT = insert(AUDIT_TABLE)  # built once, compiled once per process


def event_values(
    actor: str,
    action: str,
    *,
    comment_id: int | None = None,
    subject: str | None = None,
    from_status: str | None = None,
    to_status: str | None = None,
    reason: str | None = None,
    data: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The columns of one event, as record() stores them."""
    return {
        "actor": actor,
        "action": action,
        "comment_id": comment_id,
        "subject": subject,
        "from_status": str(from_status) if from_status is not None else None,
        "to_status": str(to_status) if to_status is not None else None,
        "reason": reason,
        "data": data or {},
    }


def record(actor: str, action: str, **details: Any) -> AuditEvent:
    """Add one event to the current transaction; the use case that caused it commits both together."""
    event = AuditEvent(**event_values(actor, action, **details))
    db.session.add(event)
    return event


def _filtered(
    actor: str | None = None,
    action: str | None = None,
    comment_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Any:  # a Select of AuditEvent
    query = select(AuditEvent)
    if actor:
        query = query.where(AuditEvent.actor == actor)
    if action:
        # "comment." selects a family of actions; a full name selects exactly one.
        query = query.where(
            AuditEvent.action.startswith(action) if action.endswith(".") else AuditEvent.action == action
        )
    if comment_id is not None:
        query = query.where(AuditEvent.comment_id == comment_id)
    if since is not None:
        query = query.where(AuditEvent.created_at >= since)
    if until is not None:
        query = query.where(AuditEvent.created_at < until)
    return query


def search(limit: int = 50, cursor: str | None = None, **filters: Any) -> tuple[list[AuditEvent], str | None]:
    """Events newest first; the cursor is the id of the last event returned."""
    query = _filtered(**filters)
    if cursor:
        if not cursor.isdigit():
            raise InvalidFields(fields={"cursor": ["Not a cursor this service issued."]})
        query = query.where(AuditEvent.id < int(cursor))
    rows = list(db.session.scalars(query.order_by(AuditEvent.id.desc()).limit(limit + 1)))
    return rows[:limit], str(rows[limit - 1].id) if len(rows) > limit else None


def comment_history(comment_id: int) -> list[AuditEvent]:
    """One comment's trail, oldest first."""
    return list(db.session.scalars(_filtered(comment_id=comment_id).order_by(AuditEvent.id)))


def export_events(batch: int = 1000, **filters: Any) -> Iterator[AuditEvent]:
    """Every matching event, oldest first, read in batches to bound memory."""
    last_id = 0
    while True:
        rows = list(
            db.session.scalars(_filtered(**filters).where(AuditEvent.id > last_id).order_by(AuditEvent.id).limit(batch))
        )
        if not rows:
            return
        yield from rows
        last_id = rows[-1].id
