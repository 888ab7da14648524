"""Suspensions and bans through the API: 403 author_suspended with the end time, who may lift what, the audit
trail, expiry, and privacy export and erasure."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from service import authors
from service.extensions import db
from service.records import AuditEvent, AuthorRestriction, Comment, utcnow
from tests.conftest import good_comment, set_policy

Tokens = dict[str, dict[str, str]]
KEY = authors.email_author_key("test-secret", "ada@example.org")


def _post(client: FlaskClient, email: str = "ada@example.org", path: str = "/api/v1/comments") -> Any:
    return client.post(path, json=good_comment(author_email=email))


def _actions(app: Flask) -> list[tuple[str, str | None]]:
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.action.startswith("author."))).all()
        db.session.remove()
    return [(event.action, event.subject) for event in events]


def test_a_suspended_author_gets_403_with_the_end_time_until_a_moderator_lifts_it(
    app: Flask, client: FlaskClient, tokens: Tokens
) -> None:
    set_policy(client, tokens, publish_below=1.0, reject_at=1.0)
    assert _post(client).status_code == 201
    response = client.post(
        f"/api/v1/authors/{KEY}/suspension",
        json={"days": 3, "reason": "Repeated insults."},
        headers=tokens["moderator"],
    )
    assert response.status_code == 201, response.get_json()
    suspension = response.get_json()
    ends_at = datetime.fromisoformat(suspension["ends_at"])
    assert timedelta(days=2, hours=23) < ends_at - utcnow() <= timedelta(days=3)

    for path in ("/api/v1/comments", "/api/v1/comments/check"):
        # The address in any case is the same author.
        refused = _post(client, "ADA@example.org", path)
        error = refused.get_json()["error"]
        assert (refused.status_code, error["code"]) == (403, "author_suspended")
        assert datetime.fromisoformat(error["until"]) == ends_at
        assert f"{ends_at:%Y-%m-%d %H:%M} UTC" in error["message"]
    assert _post(client, "bob@example.org").status_code == 201

    page = client.get(f"/api/v1/authors/{KEY}", headers=tokens["moderator"]).get_json()
    assert datetime.fromisoformat(page["author"]["suspended_until"]) == ends_at
    assert page["author"]["banned"] is False
    assert [(r["kind"], r["reason"], r["lifted_at"]) for r in page["restrictions"]] == [
        ("suspension", "Repeated insults.", None)
    ]

    assert client.delete(f"/api/v1/authors/{KEY}/suspension", headers=tokens["moderator2"]).status_code == 200
    assert _post(client).status_code == 201
    lifted = client.delete(f"/api/v1/authors/{KEY}/suspension", headers=tokens["moderator2"])
    assert lifted.status_code == 409
    assert _actions(app) == [("author.suspended", f"author:{KEY}"), ("author.suspension_lifted", f"author:{KEY}")]


def test_a_suspension_ends_by_itself(app: Flask, client: FlaskClient, tokens: Tokens) -> None:
    client.post(f"/api/v1/authors/{KEY}/suspension", json={"days": 1}, headers=tokens["moderator"])
    assert _post(client).status_code == 403
    with app.app_context():
        db.session.execute(update(AuthorRestriction).values(ends_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
        db.session.remove()
    assert _post(client).status_code == 201


def test_a_ban_has_no_end_and_only_an_admin_lifts_it(app: Flask, client: FlaskClient, tokens: Tokens) -> None:
    assert client.post(f"/api/v1/authors/{KEY}/ban", json={}, headers=tokens["moderator"]).status_code == 201
    refused = _post(client).get_json()["error"]
    assert (refused["code"], refused["until"], refused["message"]) == (
        "author_suspended",
        None,
        "You may no longer comment here.",
    )
    assert client.delete(f"/api/v1/authors/{KEY}/ban", headers=tokens["moderator"]).status_code == 403
    assert (
        client.post(f"/api/v1/authors/{KEY}/suspension", json={"days": 0}, headers=tokens["moderator"]).status_code
        == 422
    )
    assert client.delete(f"/api/v1/authors/{KEY}/ban", headers=tokens["admin"]).status_code == 200
    assert _post(client).status_code == 201
    assert [action for action, _ in _actions(app)] == ["author.banned", "author.ban_lifted"]
    assert client.post(f"/api/v1/authors/{KEY}/ban", json={}).status_code == 401


def test_the_page_form_shows_a_suspended_author_why(client: FlaskClient, tokens: Tokens) -> None:
    client.post(f"/api/v1/authors/{KEY}/ban", json={"reason": "Threats."}, headers=tokens["moderator"])
    page = client.get("/demo/article")
    csrf = page.get_data(as_text=True).split('name="csrf_token" value="')[1].split('"')[0]
    form = {**good_comment(body="A comment from the page form."), "csrf_token": csrf}
    response = client.post("/demo/article", data=form)
    assert response.status_code == 403
    assert "You may no longer comment here." in response.get_data(as_text=True)


def test_privacy_export_lists_and_erase_removes_the_authors_restrictions_and_record(
    app: Flask, client: FlaskClient, tokens: Tokens
) -> None:
    assert _post(client).status_code == 201
    client.post(f"/api/v1/authors/{KEY}/suspension", json={"days": 2, "reason": "Spam."}, headers=tokens["moderator"])
    exported = client.get("/api/v1/privacy/export?email=ada@example.org", headers=tokens["admin"]).get_json()
    assert [(r["kind"], r["reason"]) for r in exported["author_restrictions"]] == [("suspension", "Spam.")]

    erased = client.post("/api/v1/privacy/erase", json={"email": "ada@example.org"}, headers=tokens["admin"])
    assert erased.status_code == 200, erased.get_json()
    with app.app_context():
        assert db.session.scalars(select(AuthorRestriction)).all() == []
        assert db.session.scalars(select(Comment.author_key)).all() == [None]
        db.session.remove()
    assert client.get(f"/api/v1/authors/{KEY}", headers=tokens["moderator"]).status_code == 404
