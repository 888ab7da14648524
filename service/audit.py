"""The append-only audit log: the only writer of AuditEvent, and it only ever inserts."""

from __future__ import annotations

from typing import Any

from service.extensions import db
from service.records import AuditEvent


def record(
    actor: str,
    action: str,
    *,
    comment_id: int | None = None,
    subject: str | None = None,
    from_status: str | None = None,
    to_status: str | None = None,
    reason: str | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add one event to the current transaction; the use case that caused it commits both together."""
    event = AuditEvent(
        actor=actor,
        action=action,
        comment_id=comment_id,
        subject=subject,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        data=data or {},
    )
    db.session.add(event)
    return event
