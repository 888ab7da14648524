"""Page sessions live on the server: sign-out, token revocation and expiry end them, and a saved cookie dies too."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from service.extensions import db
from service.records import ApiToken, PageSession, utcnow
from tests.pages.helpers import bearer_secret, csrf_from, sign_in


def _saved_cookie(client: FlaskClient) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def _replay(app: Flask, cookie: str) -> FlaskClient:
    """A second browser that only has the copied cookie."""
    attacker = app.test_client()
    attacker.set_cookie("session", cookie)
    return attacker


def _admin_page_works(client: FlaskClient) -> bool:
    page = client.get("/admin").get_data(as_text=True)
    if 'action="/admin/tokens"' not in page:
        return False
    created = client.post("/admin/tokens", data={"name": "replayed", "role": "admin", "csrf_token": csrf_from(page)})
    return created.status_code == 201


def test_a_cookie_saved_before_sign_out_no_longer_signs_in(app: Flask, tokens: dict[str, dict[str, str]]) -> None:
    client = app.test_client()
    csrf = sign_in(client, bearer_secret(tokens["admin"]), "/admin")
    saved = _saved_cookie(client)
    assert _admin_page_works(_replay(app, saved))
    assert client.post("/sign-out", data={"csrf_token": csrf}).status_code == 303

    assert not _admin_page_works(_replay(app, saved))
    assert _replay(app, saved).get("/moderate/counts.json").status_code == 401
    with app.app_context():
        names = db.session.scalars(select(ApiToken.name)).all()
        ended = db.session.scalars(select(PageSession.ended_at)).all()
    assert names.count("replayed") == 1  # only the one made before sign-out
    assert ended and all(when is not None for when in ended)


def test_revoking_the_token_ends_its_page_sessions(app: Flask, tokens: dict[str, dict[str, str]]) -> None:
    client = app.test_client()
    sign_in(client, bearer_secret(tokens["moderator"]))
    assert client.get("/moderate/counts.json").status_code == 200
    listed = client.get("/api/v1/tokens", headers=tokens["admin"]).get_json()["items"]
    moderator = next(token["id"] for token in listed if token["name"] == "moderator")
    assert client.delete(f"/api/v1/tokens/{moderator}", headers=tokens["admin"]).status_code == 200

    assert client.get("/moderate/counts.json").status_code == 401
    with app.app_context():
        record = db.session.scalars(select(PageSession).where(PageSession.token_id == moderator)).one()
        assert record.ended_at is not None


def test_a_session_ends_at_its_expiry(app: Flask, tokens: dict[str, dict[str, str]]) -> None:
    client = app.test_client()
    sign_in(client, bearer_secret(tokens["moderator"]))
    assert client.get("/moderate/counts.json").status_code == 200
    with app.app_context():
        db.session.execute(update(PageSession).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    assert client.get("/moderate/counts.json").status_code == 401


def test_signing_in_again_ends_the_previous_session(app: Flask, tokens: dict[str, dict[str, str]]) -> None:
    client = app.test_client()
    sign_in(client, bearer_secret(tokens["moderator"]))
    first = _saved_cookie(client)
    sign_in(client, bearer_secret(tokens["moderator"]))
    assert client.get("/moderate/counts.json").status_code == 200
    assert _replay(app, first).get("/moderate/counts.json").status_code == 401
