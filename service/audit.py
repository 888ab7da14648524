"""The append-only audit log: what an event holds, and its writer. Events are only ever inserted: here, and for the
submission of a comment by service.comment_store, in the same statement as the comment itself."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Table, insert

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
