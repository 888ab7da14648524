"""Bot signals from the comment form: a hidden honeypot field and a signed, single-use, short-lived form token."""

from __future__ import annotations

import secrets
import time
from datetime import UTC, datetime, timedelta

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import delete, insert
from sqlalchemy.exc import IntegrityError

from service.extensions import db
from service.records import UsedFormToken, utcnow
from service.write_lock import serialised_writes

FORM_TOKEN_SALT = "moderato.comment-form"
# Long enough to write a considered comment; the page hands out a fresh token with every render and after every post.
FORM_TOKEN_MAX_AGE = 2 * 3600
# A public post whose form cannot be vouched for (no token, a forged, expired or spent one) goes to people.
UNVERIFIED = "unverified_form"


def issue_form_token(secret: str, now: float | None = None) -> str:
    """A token the page embeds when it renders the form: the render time and a one-time nonce, signed."""
    serializer = URLSafeTimedSerializer(secret, salt=FORM_TOKEN_SALT)
    return serializer.dumps({"t": now if now is not None else time.time(), "n": secrets.token_hex(16)})


def read_form_token(secret: str, token: str) -> tuple[float, str] | None:
    """(render time, nonce) of a genuine, unexpired token; None when it is forged, expired or malformed."""
    serializer = URLSafeTimedSerializer(secret, salt=FORM_TOKEN_SALT)
    try:
        data = serializer.loads(token, max_age=FORM_TOKEN_MAX_AGE)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("t"), int | float) or not isinstance(data.get("n"), str):
        return None
    # The signature's own timestamp bounds the age too; "t" is what the page claims and what the test of speed reads.
    if len(data["n"]) != 32 or not 0 <= time.time() - float(data["t"]) <= FORM_TOKEN_MAX_AGE:
        return None
    return float(data["t"]), data["n"]


def spend_form_token(nonce: str, rendered_at: float) -> bool:
    """Mark a token used; False when it was used before. Its own short transaction, apart from the request's."""
    expires_at = datetime.fromtimestamp(rendered_at, UTC) + timedelta(seconds=FORM_TOKEN_MAX_AGE)
    try:
        with serialised_writes(db.engine), db.engine.begin() as connection:
            # Rows of expired tokens prove nothing any more (the signature check refuses those tokens): purge them.
            connection.execute(delete(UsedFormToken).where(UsedFormToken.expires_at < utcnow()))
            connection.execute(insert(UsedFormToken).values(nonce=nonce, expires_at=expires_at))
    except IntegrityError:
        return False
    return True


def form_signals(
    honeypot: str | None,
    form_token: str | None,
    secret: str,
    min_seconds: float,
    *,
    require_token: bool = True,
    trusted_caller: bool = False,
) -> list[str]:
    """Reason codes for a form that looks automated: each sends the comment to people, never to an error.

    `trusted_caller`: an integration token posts for its readers (its backend checks them), so no form token is asked.
    """
    signals = []
    if honeypot:
        signals.append("honeypot")
    if trusted_caller:
        return signals
    if form_token is None:
        if require_token:
            signals.append(UNVERIFIED)
        return signals
    read = read_form_token(secret, form_token)
    if read is None or not spend_form_token(read[1], read[0]):
        signals.append(UNVERIFIED)
    elif time.time() - read[0] < min_seconds:
        signals.append("too_fast")
    return signals
