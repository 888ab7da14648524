"""API tokens and roles: create (the secret is shown once, only its hash is kept), look up, revoke; the page sessions
signed in with them."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from sqlalchemy import select, update

from service import audit
from service.errors import NotFound
from service.extensions import db
from service.records import ApiToken, PageSession, utcnow

TOKEN_PREFIX = "mdt_"
# A page session ends this long after sign-in at the latest (a moderator's working day), or at sign-out, or when its
# token is revoked, whichever comes first.
SESSION_LIFETIME = timedelta(hours=12)


class Role(StrEnum):
    MODERATOR = "moderator"
    ADMIN = "admin"
    INTEGRATION = "integration"


# Which token roles satisfy a required role: admins may do everything a moderator may.
GRANTS: dict[Role, frozenset[Role]] = {
    Role.MODERATOR: frozenset({Role.MODERATOR, Role.ADMIN}),
    Role.ADMIN: frozenset({Role.ADMIN}),
    Role.INTEGRATION: frozenset({Role.INTEGRATION}),
}


@dataclass(frozen=True)
class Principal:
    """Who is calling: the token's id, name and role. `actor` is how the audit log names them."""

    token_id: int
    name: str
    role: Role

    @property
    def actor(self) -> str:
        return f"{self.name} ({self.role} #{self.token_id})"


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str


def hash_secret(secret: str) -> str:
    """SHA-256 of a token secret: tokens are 256-bit random, so a fast hash is enough and lookups stay O(1)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(name: str, role: Role, actor: str) -> IssuedToken:
    """Make a token; the secret is returned once and never stored."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(name=name, role=role, token_hash=hash_secret(secret))
    db.session.add(token)
    db.session.flush()
    audit.record(actor, "token.created", subject=f"token:{token.id}", data={"name": name, "role": role})
    db.session.commit()
    return IssuedToken(token=token, secret=secret)


def list_tokens() -> list[ApiToken]:
    """Every token, newest first, without secrets (none are stored)."""
    return list(db.session.scalars(select(ApiToken).order_by(ApiToken.id.desc())))


def revoke_token(token_id: int, actor: str) -> ApiToken:
    """Revoke a token at once; revoking twice is harmless."""
    token = db.session.get(ApiToken, token_id)
    if token is None:
        raise NotFound("No such token.")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.execute(
            update(PageSession)
            .where(PageSession.token_id == token.id, PageSession.ended_at.is_(None))
            .values(ended_at=token.revoked_at)
        )
        audit.record(actor, "token.revoked", subject=f"token:{token.id}", data={"name": token.name, "role": token.role})
        db.session.commit()
    return token


def authenticate(secret: str) -> Principal | None:
    """The live token with this secret, or None."""
    digest = hash_secret(secret)
    token = db.session.scalars(select(ApiToken).where(ApiToken.token_hash == digest)).first()
    # The lookup is by hash; compare again in constant time so no code path compares secrets byte by byte.
    if token is None or token.revoked_at is not None or not hmac.compare_digest(token.token_hash, digest):
        return None
    return Principal(token_id=token.id, name=token.name, role=Role(token.role))


def principal_of_token_id(token_id: object) -> Principal | None:
    """The live token with this id, or None (page sessions hold only the id)."""
    if not isinstance(token_id, int):
        return None
    token = db.session.get(ApiToken, token_id)
    if token is None or token.revoked_at is not None:
        return None
    return Principal(token_id=token.id, name=token.name, role=Role(token.role))


def start_session(token_id: int) -> str:
    """Record a new page session for a live token; returns the random key the cookie carries (only its hash is kept)."""
    key = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(
        PageSession(key_hash=hash_secret(key), token_id=token_id, created_at=now, expires_at=now + SESSION_LIFETIME)
    )
    db.session.commit()
    return key


def session_principal(key: object) -> Principal | None:
    """The principal of a live page session (not ended, not expired, its token not revoked), or None."""
    if not isinstance(key, str) or not key:
        return None
    record = db.session.scalars(select(PageSession).where(PageSession.key_hash == hash_secret(key))).first()
    if record is None or record.ended_at is not None or record.expires_at <= utcnow():
        return None
    return principal_of_token_id(record.token_id)


def end_session(key: object) -> None:
    """End a page session now (sign-out); a replayed cookie finds it ended."""
    if not isinstance(key, str) or not key:
        return
    db.session.execute(
        update(PageSession)
        .where(PageSession.key_hash == hash_secret(key), PageSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )
    db.session.commit()
