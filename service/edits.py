"""An author's edit of their comment: within the policy's window, with the comment's edit token; every edit is
scored and decided again like a new comment, and the text and decision it replaces are kept as a revision."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert, or_, select, update

from service import audit, edit_tokens, moderation, rules, suspensions, webhooks
from service.errors import CommentNotFound, Conflict, Forbidden
from service.extensions import db
from service.policy import Policy
from service.reasons import Reason
from service.records import BodyBand, Comment, CommentRevision, utcnow
from service.status import Status

# A person's decision, or readers' reports, are about the text they saw: such a comment is no longer the author's to
# change.
EDITABLE_STATUSES = (Status.PUBLISHED, Status.PENDING, Status.REJECTED)


class EditRefused(Forbidden):
    code = "edit_refused"
    message = "This edit token does not belong to this comment."


class EditWindowClosed(Forbidden):
    code = "edit_window_closed"
    message = "The time to edit this comment is over."


@dataclass(frozen=True)
class Edited:
    """The comment's new outcome after the edit, and what to tell the author."""

    comment_id: int
    status: Status
    reasons: list[Reason]
    message: str
    public_reasons: list[Reason]
    language: str
    editable_until: datetime
    # True when a published comment went back to people because of the edit.
    withdrawn: bool = False


def _editable(comment_id: int, token: str, policy: Policy, now: datetime) -> Comment:
    comment = db.session.get(Comment, comment_id)
    if comment is None:
        raise CommentNotFound()
    if not edit_tokens.matches(token, comment.edit_token_hash):
        raise EditRefused()
    if now > comment.created_at + timedelta(minutes=policy.edit_window_minutes):
        raise EditWindowClosed()
    if comment.status not in EDITABLE_STATUSES or comment.decided_by is not None:
        raise Conflict("A moderator or readers' reports have dealt with this comment; it can no longer be edited.")
    if _leased(comment, now):
        # A moderator is reading this text now: changing it under them could get an unseen text approved.
        raise Conflict("A moderator is reviewing this comment; it cannot be edited now.")
    return comment


def _leased(comment: Comment, now: datetime) -> bool:
    return comment.lease_holder is not None and comment.lease_expires_at is not None and comment.lease_expires_at > now


def edit_comment(
    comment_id: int,
    token: str,
    body: str,
    *,
    scorer: moderation.CommentScorer,
    policy: Policy,
    duplicate_window_minutes: int = 60,
) -> Edited:
    """Replace a comment's text and decide it again; the old text and decision become a revision; audited. A
    published comment whose edit is held or rejected is withdrawn at once, until a person decides."""
    now = utcnow()
    comment = _editable(comment_id, token, policy, now)
    suspensions.ensure_may_post(comment.author_key)
    payload = {
        "article_id": comment.article_id,
        "author_email": comment.author_email,
        "author_key": comment.author_key,
        "body": body,
    }
    gathered = moderation.gather_facts(
        payload, scorer=scorer, policy=policy, duplicate_window_minutes=duplicate_window_minutes, editing=comment.id
    )
    decision = moderation.decide_submission(gathered.facts, policy)
    decisive = decision.decisive_score
    score = gathered.assessment.scores[decisive] if decisive is not None else None
    old_status, created_at = Status(comment.status), comment.created_at
    explained = moderation.category_explanations_of(scorer, body, score, decision)
    revision_id = _store_edit(comment, body, gathered, decision, score, policy, now, explained)
    withdrawn = old_status == Status.PUBLISHED and decision.status != Status.PUBLISHED
    audit.record(
        "author",
        "comment.edited",
        comment_id=comment_id,
        from_status=old_status,
        to_status=decision.status,
        reason=",".join(r["code"] for r in decision.reasons) or None,
        data={
            "revision_id": revision_id,
            "score": score.probability if score else None,
            "model_version": score.model_version if score else None,
            "language": gathered.assessment.language,
            "policy_version": policy.version,
            "reasons": [r["code"] for r in decision.reasons],
            "withdrawn": withdrawn,
        },
    )
    event = {
        "id": comment_id,
        "article_id": comment.article_id,
        "status": str(decision.status),
        "language": gathered.assessment.language,
        "reasons": [r["code"] for r in decision.reasons],
    }
    if decision.status == Status.PUBLISHED:
        webhooks.enqueue("comment.published", event, edited=True)
    elif withdrawn:
        # The article site must take it down: the machine decided the edited text again.
        webhooks.enqueue("comment.decided", event, decided_by="system", edited=True, withdrawn=True)
    db.session.commit()
    return Edited(
        comment_id=comment_id,
        status=decision.status,
        reasons=list(decision.reasons),
        message=moderation.STATUS_MESSAGES[decision.status],
        public_reasons=list(decision.reasons) if decision.status == Status.REJECTED else [],
        language=gathered.assessment.language,
        editable_until=created_at + timedelta(minutes=policy.edit_window_minutes),
        withdrawn=withdrawn,
    )


def _store_edit(
    comment: Comment,
    body: str,
    gathered: moderation.GatheredFacts,
    decision: moderation.SubmissionDecision,
    score: Any,
    policy: Policy,
    now: datetime,
    category_explanations: dict[str, list[dict[str, Any]]],
) -> int:
    """Keep the old text and decision as a revision and write the new ones, guarded against a concurrent edit or
    decision (the row must still be as it was read)."""
    revision = CommentRevision(
        comment_id=comment.id,
        body=comment.body,
        status=comment.status,
        score=comment.score,
        reasons=comment.reasons,
        model_version=comment.model_version,
        policy_version=comment.policy_version,
        created_at=now,
    )
    db.session.add(revision)
    db.session.flush()
    changed = db.session.execute(
        update(Comment)
        .where(
            Comment.id == comment.id,
            Comment.status == comment.status,
            Comment.updated_at == comment.updated_at,
            Comment.decided_by.is_(None),
            or_(Comment.lease_holder.is_(None), Comment.lease_expires_at <= now),
        )
        .values(
            body=body,
            status=str(decision.status),
            language=gathered.assessment.language,
            score=score.probability if score else None,
            categories=dict(score.categories) if score else {},
            explanation=moderation.explanation_of(score),
            category_explanations=category_explanations,
            model_version=score.model_version if score else None,
            policy_version=policy.version,
            reasons=list(decision.reasons),
            automatic_status=None,
            audit_sample=False,
            body_fingerprint=gathered.body_fingerprint,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        db.session.rollback()
        raise Conflict("The comment changed while it was being edited; try again.")
    db.session.execute(delete(BodyBand).where(BodyBand.comment_id == comment.id))
    if gathered.body_fingerprint:
        db.session.execute(
            insert(BodyBand),
            [
                {"comment_id": comment.id, "band": band, "created_at": now}
                for band in rules.fingerprint_bands(gathered.body_fingerprint)
            ],
        )
    db.session.expire(comment)
    return revision.id


def revisions(comment_id: int) -> list[CommentRevision]:
    """A comment's earlier texts and decisions, oldest first."""
    return list(
        db.session.scalars(
            select(CommentRevision).where(CommentRevision.comment_id == comment_id).order_by(CommentRevision.id)
        )
    )
