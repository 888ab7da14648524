"""Moderator API: the queue, claims, decisions, notes, history; and the public report endpoint."""

from __future__ import annotations

from flask import Blueprint, request
from flask.typing import ResponseReturnValue

from service import audit, edits, queue, reports
from service.auth import Role
from service.networks import keyed_hash, network_of
from service.routes.authors import attach_authors
from service.schemas import (
    BulkDecisionIn,
    BulkDecisionOut,
    ClaimIn,
    ClaimOut,
    DecisionIn,
    HistoryOut,
    NoteIn,
    NoteOut,
    QueueItem,
    QueuePage,
    QueueQuery,
    ReportIn,
    ReportOut,
)
from service.web.access import principal, require_role
from service.web.context import active_policy, secret, settings
from service.web.inputs import optional_json_body

bp = Blueprint("queue", __name__)


@bp.get("/api/v1/queue")
@require_role(Role.MODERATOR)
def list_queue() -> ResponseReturnValue:
    """Pending and reported comments, filtered and ordered."""
    args = QueueQuery().load(request.args.to_dict())
    order, limit, offset = args.pop("order"), args.pop("limit"), args.pop("offset")
    items, total = queue.list_queue(queue.QueueFilter(**args), order, limit, offset, active_policy())
    page = QueuePage().dump({"items": items, "total": total})
    attach_authors(page["items"], items)
    return page


@bp.post("/api/v1/queue/claim")
@require_role(Role.MODERATOR)
def claim() -> ResponseReturnValue:
    """Lease the caller's next items for a few minutes."""
    limit = min(ClaimIn().load(optional_json_body())["limit"], settings()["queue"]["max_claim"])
    items = queue.claim(principal(), limit, settings()["queue"]["lease_seconds"])
    claimed = ClaimOut().dump({"items": items})
    attach_authors(claimed["items"], items)
    return claimed


@bp.post("/api/v1/comments/<int:comment_id>/decision")
@require_role(Role.MODERATOR)
def post_decision(comment_id: int) -> ResponseReturnValue:
    """Approve or reject one comment."""
    payload = DecisionIn().load(request.get_json())
    return QueueItem().dump(queue.record_verdict(comment_id, principal(), **payload))


@bp.post("/api/v1/queue/bulk-decision")
@require_role(Role.MODERATOR)
def post_bulk_decision() -> ResponseReturnValue:
    """Approve or reject a selection of comments or a whole campaign."""
    payload = BulkDecisionIn().load(request.get_json())
    payload.pop("reason_text")
    result = queue.bulk_decide(principal(), **payload)
    return BulkDecisionOut().dump(
        {"decided": result.decided, "conflicts": {str(k): v for k, v in result.conflicts.items()}}
    )


@bp.post("/api/v1/comments/<int:comment_id>/undo")
@require_role(Role.ADMIN)
def undo(comment_id: int) -> ResponseReturnValue:
    """Take back the latest human decision on a comment."""
    return QueueItem().dump(queue.undo(comment_id, principal()))


@bp.post("/api/v1/comments/<int:comment_id>/notes")
@require_role(Role.MODERATOR)
def add_note(comment_id: int) -> ResponseReturnValue:
    """Leave a private note for other moderators."""
    return NoteOut().dump(queue.add_note(comment_id, principal(), NoteIn().load(request.get_json())["text"])), 201


@bp.get("/api/v1/comments/<int:comment_id>/history")
@require_role(Role.MODERATOR)
def history(comment_id: int) -> ResponseReturnValue:
    """The comment's audit trail, oldest first, and its notes."""
    queue.get_comment(comment_id)
    return HistoryOut().dump(
        {
            "items": audit.comment_history(comment_id),
            "notes": queue.notes_for(comment_id),
            "revisions": edits.revisions(comment_id),
        }
    )


@bp.post("/api/v1/comments/<int:comment_id>/reports")
def report(comment_id: int) -> ResponseReturnValue:
    """A reader flags a published comment; one report per reader network counts."""
    payload = ReportIn().load(request.get_json())
    reporter = keyed_hash(secret(), "report", network_of(request.remote_addr or ""))
    comment, accepted = reports.report_comment(
        comment_id, reporter, payload["reason"], payload["text"], active_policy()
    )
    message = "Thank you, your report was received." if accepted else "You have already reported this comment."
    return ReportOut().dump({"id": comment.id, "accepted": accepted, "message": message}), 202
