"""Security headers on every response, secure session cookie flags, constant-time token checks."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from tests.conftest import good_comment


def test_every_response_carries_the_security_headers(client: FlaskClient) -> None:
    responses = [
        client.get("/healthz"),
        client.get("/api/v1/openapi.json"),
        client.post("/api/v1/comments", json=good_comment()),
        client.post("/api/v1/comments", json={}),
        client.get("/no/such/page"),
        client.get("/api/v1/queue"),
    ]
    for response in responses:
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
        assert "style-src 'self'" in csp
        assert "frame-ancestors 'self'" in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_frame_ancestors_come_from_config(make_app: Any) -> None:
    app = make_app({"web": {"frame_ancestors": ["'self'", "https://news.example"]}})
    csp = app.test_client().get("/healthz").headers["Content-Security-Policy"]
    assert "frame-ancestors 'self' https://news.example" in csp


def test_session_cookie_is_secure_httponly_lax(make_app: Any) -> None:
    app = make_app({"web": {"secure_cookies": True}})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    demo = make_app({"web": {"secure_cookies": False}})
    assert demo.config["SESSION_COOKIE_SECURE"] is False
