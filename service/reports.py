"""Readers' reports: de-duplicated per reporter; enough distinct reporters send a comment back to the queue."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from service import audit, webhooks
from service.errors import CommentNotFound
from service.extensions import db
from service.policy import Policy
from service.reasons import outcome_reason
from service.records import Comment, Report, utcnow
from service.status import Status


def report_comment(
    comment_id: int, reporter: str, reason: str, text: str | None, policy: Policy
) -> tuple[Comment, bool]:
    """Record one reader's report; returns the comment and whether this report was new."""
    comment = db.session.get(Comment, comment_id)
    if comment is None or comment.status not in (Status.PUBLISHED, Status.REPORTED):
        raise CommentNotFound()
    db.session.add(Report(comment_id=comment_id, reporter_key=reporter, reason=reason, text=text))
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return comment, False
    reporters = db.session.scalar(select(func.count(Report.id)).where(Report.comment_id == comment_id)) or 0
    audit.record("reader", "comment.reported", comment_id=comment_id, reason=reason, data={"reports": reporters})
    webhooks.enqueue("comment.reported", comment, reason=reason, reports=reporters)
    if reporters >= policy.report_threshold and comment.status == Status.PUBLISHED:
        moved = db.session.execute(
            update(Comment)
            .where(Comment.id == comment_id, Comment.status == Status.PUBLISHED)
            .values(
                status=Status.REPORTED,
                reasons=[*comment.reasons, outcome_reason("reader_reports")],
                updated_at=utcnow(),
            )
            .execution_options(synchronize_session=False)
        )
        if moved.rowcount == 1:  # type: ignore[attr-defined]
            audit.record(
                "system",
                "comment.requeued",
                comment_id=comment_id,
                from_status=Status.PUBLISHED,
                to_status=Status.REPORTED,
                reason="reader_reports",
                data={"reports": reporters, "threshold": policy.report_threshold},
            )
    db.session.commit()
    db.session.refresh(comment)
    return comment, True
