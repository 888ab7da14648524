"""Authors: who wrote a comment (a keyed hash of the e-mail address, or of an integration's subject) and their record.

An author's record is an indexed aggregate of their comments (ix_comment_author_status_created): counting one
author's comments reads only that author's index entries, however many comments the site holds."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update

from service import suspensions
from service.errors import NotFound
from service.extensions import db
from service.networks import keyed_hash
from service.policy import Policy
from service.records import Comment, utcnow
from service.status import Status

# How a comment's status counts in its author's record: a reported comment is back with people, so it is held.
HELD_STATUSES = (Status.PENDING, Status.REPORTED)
RECENT_COMMENTS = 50


class AuthorNotFound(NotFound):
    code = "author_not_found"
    message = "No comments by this author."


def check_key(key: str) -> None:
    """404 for anything that is not an author key (64 hex digits), before it reaches a query."""
    if len(key) != 64 or not all(char in "0123456789abcdef" for char in key):
        raise AuthorNotFound()


def normalise_email(email: str) -> str:
    """Addresses match case-insensitively (as service.privacy matches them)."""
    return email.strip().lower()


def email_author_key(secret: str, email: str) -> str:
    """The author key of an e-mail address: an HMAC with the site secret, linkable here, useless elsewhere."""
    return keyed_hash(secret, "author", "email:" + normalise_email(email))


def subject_author_key(secret: str, integration: str, subject: str) -> str:
    """The author key of a user an integration names by its own id (`author_subject`), within that integration."""
    return keyed_hash(secret, "author", f"subject:{integration}:{subject}")


@dataclass(frozen=True)
class AuthorRecord:
    """An author's comments by outcome, and their rejections within the policy's window."""

    key: str
    published: int = 0
    held: int = 0
    rejected: int = 0
    recent_rejections: int = 0

    @property
    def total(self) -> int:
        return self.published + self.held + self.rejected


def records_for(keys: Iterable[str | None], since: datetime) -> dict[str, AuthorRecord]:
    """The records of several authors in one query (a queue page's authors); `since` starts the rejection window."""
    wanted = sorted({key for key in keys if key})
    if not wanted:
        return {}
    counts: dict[str, dict[str, int]] = {key: {"published": 0, "held": 0, "rejected": 0, "recent": 0} for key in wanted}
    rows = db.session.execute(
        select(
            Comment.author_key,
            Comment.status,
            func.count(),
            func.count().filter(Comment.created_at >= since),
        )
        .where(Comment.author_key.in_(wanted))
        .group_by(Comment.author_key, Comment.status)
    )
    for key, status, count, recent in rows:
        tally = counts[str(key)]
        if status == Status.PUBLISHED:
            tally["published"] += count
        elif status == Status.REJECTED:
            tally["rejected"] += count
            tally["recent"] += recent
        elif status in HELD_STATUSES:
            tally["held"] += count
    return {
        key: AuthorRecord(key, tally["published"], tally["held"], tally["rejected"], tally["recent"])
        for key, tally in counts.items()
    }


def record_of(key: str, since: datetime) -> AuthorRecord:
    """One author's record (all zero for an author without comments)."""
    return records_for([key], since)[key]


def window_start(days: int, now: datetime | None = None) -> datetime:
    """Where a rejection window of `days` days starts."""
    return (now or utcnow()) - timedelta(days=days)


def recent_comments(key: str, limit: int = RECENT_COMMENTS) -> list[Comment]:
    """An author's newest comments, any status, for a moderator."""
    comments = list(
        db.session.scalars(
            select(Comment).where(Comment.author_key == key).order_by(Comment.created_at.desc()).limit(limit)
        )
    )
    return comments


def summary(record: AuthorRecord, policy: Policy, standing: suspensions.Standing | None = None) -> dict[str, Any]:
    """An author's record with what the policy in force makes of it, and whether they are suspended or banned."""
    standing = standing or suspensions.Standing()
    return {
        "key": record.key,
        "published": record.published,
        "held": record.held,
        "rejected": record.rejected,
        "recent_rejections": record.recent_rejections,
        "trusted": bool(policy.trust_after_published) and record.published >= policy.trust_after_published,
        "held_by_history": bool(policy.hold_after_rejections)
        and record.recent_rejections >= policy.hold_after_rejections,
        "banned": standing.banned,
        "suspended_until": standing.suspended_until,
    }


def summaries(keys: Iterable[str | None], policy: Policy) -> dict[str, dict[str, Any]]:
    """Several authors' summaries in one query."""
    records = records_for(keys, window_start(policy.rejection_window_days))
    standing = suspensions.standings(records)
    return {key: summary(record, policy, standing.get(key)) for key, record in records.items()}


def backfill_keys(secret: str, batch: int = 1000) -> int:
    """Give comments stored before author keys existed their author's key (from the e-mail address), in batches;
    returns how many were keyed. Run once after upgrading: `moderato authors backfill`."""
    keyed = 0
    while True:
        rows = db.session.execute(
            select(Comment.id, Comment.author_email)
            .where(Comment.author_key.is_(None), Comment.author_email.is_not(None))
            .order_by(Comment.id)
            .limit(batch)
        ).all()
        if not rows:
            return keyed
        db.session.execute(
            update(Comment),
            [{"id": comment_id, "author_key": email_author_key(secret, str(email))} for comment_id, email in rows],
        )
        db.session.commit()
        keyed += len(rows)
