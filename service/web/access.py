"""Who is calling this request and may they: Bearer tokens, signed-in page sessions, CSRF, role guards."""

from __future__ import annotations

import functools
import hmac
import secrets
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from flask import g, request, session

from service import auth
from service.auth import GRANTS, Principal, Role, authenticate
from service.errors import Forbidden, Unauthorized

# The session cookie (signed) carries a random session key; every request looks its record up, so sign-out, expiry
# and revoking the token end the session at once, and a copied cookie dies with it.
SESSION_KEY = "session_key"
SESSION_CSRF_KEY = "csrf"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def bearer_secret() -> str | None:
    """The token from `Authorization: Bearer <token>`, if any."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


class CsrfRefused(Forbidden):
    code = "csrf_failed"
    message = "The form or request lacks a valid CSRF token; reload the page and try again."


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
        auth.end_session(session.get(SESSION_KEY))
        session.clear()
        session[SESSION_KEY] = auth.start_session(principal.token_id)
        session[SESSION_CSRF_KEY] = secrets.token_urlsafe(32)
        g.principal, g.principal_source = principal, "session"
    return principal


def sign_out() -> None:
    """End the page session, in the database too (a saved copy of the cookie no longer signs anyone in)."""
    auth.end_session(session.get(SESSION_KEY))
    session.clear()
    g.principal, g.principal_source = None, None


def session_principal() -> Principal | None:
    """The signed-in page user, re-checked against the database on every request (ended, expired or revoked = None)."""
    return auth.session_principal(session.get(SESSION_KEY))


def current_principal() -> Principal | None:
    """The authenticated caller of this request (Bearer token, or a signed-in page session)."""
    if "principal" not in g:
        secret = bearer_secret()
        if secret:
            g.principal, g.principal_source = authenticate(secret), "bearer"
        else:
            caller = session_principal() if SESSION_KEY in session else None
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
