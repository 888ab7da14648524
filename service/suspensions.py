"""Suspensions and bans of authors: moderators suspend for a period or ban; admins lift bans; all audited."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, or_, select

from service import audit
from service.errors import Conflict, Forbidden, ServiceError
from service.extensions import db
from service.records import AuthorRestriction, utcnow

SUSPENSION = "suspension"
BAN = "ban"


class AuthorSuspended(ServiceError):
    """403 for a comment by a suspended or banned author; `details` adds the end time to the error envelope."""

    status = 403
    code = "author_suspended"

    def __init__(self, until: datetime | None) -> None:
        if until is None:
            message = "You may no longer comment here."
        else:
            message = f"You may not comment until {until:%Y-%m-%d %H:%M} UTC."
        super().__init__(message)
        self.details = {"until": until.isoformat() if until else None}


@dataclass(frozen=True)
class Standing:
    """Whether an author may post now: banned, or suspended until a time, or neither."""

    banned: bool = False
    suspended_until: datetime | None = None

    @property
    def restricted(self) -> bool:
        return self.banned or self.suspended_until is not None


def _active(now: datetime) -> Any:
    return (AuthorRestriction.lifted_at.is_(None)) & or_(
        AuthorRestriction.ends_at.is_(None), AuthorRestriction.ends_at > now
    )


def standings(keys: Iterable[str | None], now: datetime | None = None) -> dict[str, Standing]:
    """The standing of several authors in one indexed query; authors without a restriction are left out."""
    wanted = sorted({key for key in keys if key})
    if not wanted:
        return {}
    moment = now or utcnow()
    found: dict[str, Standing] = {}
    rows = db.session.scalars(
        select(AuthorRestriction).where(AuthorRestriction.author_key.in_(wanted), _active(moment))
    )
    for row in rows:
        current = found.get(row.author_key, Standing())
        if row.kind == BAN:
            current = Standing(True, None)
        elif not current.banned and row.ends_at is not None:
            latest = max(row.ends_at, current.suspended_until or row.ends_at)
            current = Standing(False, latest)
        found[row.author_key] = current
    return found


def standing_of(key: str | None, now: datetime | None = None) -> Standing:
    """One author's standing now."""
    return standings([key], now).get(key or "", Standing())


def ensure_may_post(key: str | None, now: datetime | None = None) -> None:
    """Refuse a comment by a suspended or banned author (403 author_suspended with the end time)."""
    standing = standing_of(key, now)
    if standing.restricted:
        raise AuthorSuspended(None if standing.banned else standing.suspended_until)


def _subject(key: str) -> str:
    return f"author:{key}"


def restrict(key: str, kind: str, actor: str, reason: str | None, days: int | None = None) -> AuthorRestriction:
    """Suspend an author for `days` days, or ban them (kind BAN, no end); audited."""
    now = utcnow()
    ends_at = now + timedelta(days=days) if kind == SUSPENSION and days else None
    row = AuthorRestriction(author_key=key, kind=kind, ends_at=ends_at, reason=reason, created_by=actor, created_at=now)
    db.session.add(row)
    db.session.flush()
    audit.record(
        actor,
        "author.banned" if kind == BAN else "author.suspended",
        subject=_subject(key),
        reason=reason,
        data={"restriction_id": row.id, "ends_at": ends_at.isoformat() if ends_at else None},
    )
    db.session.commit()
    return row


def lift(key: str, kind: str, actor: str, may_lift_bans: bool) -> list[AuthorRestriction]:
    """Lift an author's active suspensions or ban (bans: admins only); audited. 409 when there is none."""
    if kind == BAN and not may_lift_bans:
        raise Forbidden("Only an admin may lift a ban.")
    now = utcnow()
    rows = list(
        db.session.scalars(
            select(AuthorRestriction).where(
                AuthorRestriction.author_key == key, AuthorRestriction.kind == kind, _active(now)
            )
        )
    )
    if not rows:
        raise Conflict(f"This author has no active {kind}.")
    for row in rows:
        row.lifted_at, row.lifted_by = now, actor
    audit.record(
        actor,
        "author.ban_lifted" if kind == BAN else "author.suspension_lifted",
        subject=_subject(key),
        data={"restriction_ids": [row.id for row in rows]},
    )
    db.session.commit()
    return rows


def history(key: str) -> list[AuthorRestriction]:
    """Every restriction of an author, newest first (active and lifted)."""
    return list(
        db.session.scalars(
            select(AuthorRestriction)
            .where(AuthorRestriction.author_key == key)
            .order_by(AuthorRestriction.created_at.desc(), AuthorRestriction.id.desc())
        )
    )


def erase(key: str) -> int:
    """Delete an author's restrictions (privacy erasure); the caller commits."""
    result = db.session.execute(
        delete(AuthorRestriction)
        .where(AuthorRestriction.author_key == key)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
