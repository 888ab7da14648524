"""Bot signals from the comment form: a hidden honeypot field and a signed time-to-submit token."""

from __future__ import annotations

import time

from itsdangerous import BadSignature, URLSafeTimedSerializer

FORM_TOKEN_SALT = "moderato.comment-form"
# A form older than a day is still accepted (readers leave tabs open); the signal only looks at speed.
FORM_TOKEN_MAX_AGE = 86400 * 7


def issue_form_token(secret: str, now: float | None = None) -> str:
    """A token the page embeds when it renders the form; it carries the render time, signed."""
    serializer = URLSafeTimedSerializer(secret, salt=FORM_TOKEN_SALT)
    return serializer.dumps({"t": now if now is not None else time.time()})


def seconds_since_render(secret: str, token: str, now: float | None = None) -> float | None:
    """How long the form was open before it was sent; None when the token is missing, forged or expired."""
    serializer = URLSafeTimedSerializer(secret, salt=FORM_TOKEN_SALT)
    try:
        data = serializer.loads(token, max_age=FORM_TOKEN_MAX_AGE)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("t"), int | float):
        return None
    return (now if now is not None else time.time()) - float(data["t"])


def form_signals(honeypot: str | None, form_token: str | None, secret: str, min_seconds: float) -> list[str]:
    """Reason codes for a form that looks automated: both send the comment to people, never to an error."""
    signals = []
    if honeypot:
        signals.append("honeypot")
    if form_token is not None:
        elapsed = seconds_since_render(secret, form_token)
        if elapsed is None or elapsed < min_seconds:
            signals.append("too_fast")
    return signals
