"""Security headers on every response and the session cookie's flags."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import Flask
from werkzeug.wrappers import Response


def content_security_policy(frame_ancestors: Sequence[str]) -> str:
    """Same-origin scripts and styles only (no inline script), no plugins; who may frame us comes from config."""
    ancestors = " ".join(frame_ancestors) or "'none'"
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            f"frame-ancestors {ancestors}",
        ]
    )


def init_security(app: Flask, settings: dict[str, Any]) -> None:
    """Secure session cookie settings and the headers every response carries."""
    web = settings["web"]
    app.config.update(
        SESSION_COOKIE_SECURE=web["secure_cookies"],
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
    )
    headers = {
        "Content-Security-Policy": content_security_policy(web["frame_ancestors"]),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "strict-origin-when-cross-origin",
        "Cross-Origin-Opener-Policy": "same-origin",
    }

    @app.after_request
    def _security_headers(response: Response) -> Response:
        for name, value in headers.items():
            # A view that needs a stricter (or different) header sets its own; we only fill in the default.
            response.headers.setdefault(name, value)
        return response
