"""API tokens and roles: create (the secret is shown once, only its hash is kept), look up, revoke, require."""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import ParamSpec, TypeVar

from flask import g, request, session
from sqlalchemy import select

from service import audit
from service.errors import Forbidden, NotFound, Unauthorized
from service.extensions import db
from service.records import ApiToken, utcnow

TOKEN_PREFIX = "mdt_"
# Page sessions keep only the token's id; every request re-checks it, so revoking the token signs the page out.
SESSION_TOKEN_KEY = "token_id"
SESSION_CSRF_KEY = "csrf"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


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


def bearer_secret() -> str | None:
    """The token from `Authorization: Bearer <token>`, if any."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


class CsrfRefused(Forbidden):
    code = "csrf_failed"
    message = "The form or request lacks a valid CSRF token; reload the page and try again."


def _principal_of_token_id(token_id: object) -> Principal | None:
    if not isinstance(token_id, int):
        return None
    token = db.session.get(ApiToken, token_id)
    if token is None or token.revoked_at is not None:
        return None
    return Principal(token_id=token.id, name=token.name, role=Role(token.role))


def csrf_token() -> str:
    """This session's CSRF token (made on first use); page forms and page JS send it back."""
    token = session.get(SESSION_CSRF_KEY)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session[SESSION_CSRF_KEY] = token
    return token


def csrf_valid(sent: str | None) -> bool:
    """The sent token equals this session's (constant-time); no session token = never valid."""
    expected = session.get(SESSION_CSRF_KEY)
    return isinstance(expected, str) and isinstance(sent, str) and hmac.compare_digest(expected, sent)


def sign_in(secret: str) -> Principal | None:
    """Start a page session for a live token's secret; the session cookie holds only the token id."""
    principal = authenticate(secret)
    if principal is not None:
        session.clear()
        session[SESSION_TOKEN_KEY] = principal.token_id
        session[SESSION_CSRF_KEY] = secrets.token_urlsafe(32)
        g.principal, g.principal_source = principal, "session"
    return principal


def sign_out() -> None:
    """End the page session."""
    session.clear()
    g.principal, g.principal_source = None, None


def session_principal() -> Principal | None:
    """The signed-in page user, re-checked against the database (a revoked token is signed out)."""
    return _principal_of_token_id(session.get(SESSION_TOKEN_KEY))


def current_principal() -> Principal | None:
    """The authenticated caller of this request (Bearer token, or a signed-in page session)."""
    if "principal" not in g:
        secret = bearer_secret()
        if secret:
            g.principal, g.principal_source = authenticate(secret), "bearer"
        else:
            caller = session_principal() if SESSION_TOKEN_KEY in session else None
            g.principal, g.principal_source = caller, "session" if caller else None
    principal: Principal | None = g.principal
    return principal


P = ParamSpec("P")
R = TypeVar("R")


def require_role(*roles: Role) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """401 without a valid token, 403 when the token's role grants none of `roles`; no roles = any valid token."""
    allowed = frozenset().union(*(GRANTS[role] for role in roles)) if roles else frozenset(Role)

    def decorator(view: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(view)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            principal = current_principal()
            if principal is None:
                raise Unauthorized()
            if principal.role not in allowed:
                raise Forbidden()
            # A browser sends the session cookie by itself, so a session-authenticated change must prove it came
            # from our page; Bearer callers need no CSRF token.
            if (
                g.get("principal_source") == "session"
                and request.method not in SAFE_METHODS
                and not csrf_valid(request.headers.get(CSRF_HEADER))
            ):
                raise CsrfRefused()
            return view(*args, **kwargs)

        wrapper.required_roles = allowed  # type: ignore[attr-defined]
        return wrapper

    return decorator


def principal() -> Principal:
    """The caller of a view guarded by require_role (always present there)."""
    caller = current_principal()
    if caller is None:
        raise Unauthorized()
    return caller
