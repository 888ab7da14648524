"""Reading the audit log: filtered, cursor-paginated search and JSON-lines export."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import select

from service.errors import InvalidFields
from service.extensions import db
from service.records import AuditEvent


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


def as_json(event: AuditEvent) -> dict[str, Any]:
    """One event as a JSON-ready dict (also the export's line format)."""
    return {
        "id": event.id,
        "created_at": event.created_at.isoformat(),
        "actor": event.actor,
        "action": event.action,
        "comment_id": event.comment_id,
        "subject": event.subject,
        "from_status": event.from_status,
        "to_status": event.to_status,
        "reason": event.reason,
        "data": event.data,
    }


def export_lines(batch: int = 1000, **filters: Any) -> Iterator[str]:
    """Every matching event, oldest first, as JSON lines, read in batches to bound memory."""
    last_id = 0
    while True:
        rows = list(
            db.session.scalars(_filtered(**filters).where(AuditEvent.id > last_id).order_by(AuditEvent.id).limit(batch))
        )
        if not rows:
            return
        for event in rows:
            yield json.dumps(as_json(event), ensure_ascii=False)
        last_id = rows[-1].id
