"""Personal data: export and erase by e-mail address (API and CLI), IP-hash purge; the audit log keeps no address."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from service.extensions import db
from service.records import AuditEvent, Comment, utcnow
from tests.conftest import good_comment, run_cli

Tokens = dict[str, dict[str, str]]
EMAIL = "erin@example.org"


def _post_two(client: FlaskClient) -> list[int]:
    ids = []
    for body in ("First thoughts on the harbour plan.", "A second, longer reply about the ferry timetable."):
        response = client.post("/api/v1/comments", json=good_comment(author_email=EMAIL, author_name="Erin", body=body))
        assert response.status_code == 201
        ids.append(response.get_json()["id"])
    client.post("/api/v1/comments", json=good_comment(author_email="other@example.org", body="Someone else entirely."))
    return ids


def test_export_returns_everything_about_an_address(client: FlaskClient, tokens: Tokens) -> None:
    ids = _post_two(client)
    response = client.get("/api/v1/privacy/export", query_string={"email": "Erin@Example.org"}, headers=tokens["admin"])
    assert response.status_code == 200
    document = response.get_json()
    assert [c["id"] for c in document["comments"]] == ids
    assert {c["author_email"] for c in document["comments"]} == {EMAIL}
    assert all(c["body"] for c in document["comments"])
    assert {e["comment_id"] for e in document["audit_events"]} == set(ids)


def test_privacy_api_is_admin_only(client: FlaskClient, tokens: Tokens) -> None:
    assert client.get("/api/v1/privacy/export", query_string={"email": EMAIL}).status_code == 401
    forbidden = client.post("/api/v1/privacy/erase", json={"email": EMAIL}, headers=tokens["moderator"])
    assert forbidden.status_code == 403
    bad = client.get("/api/v1/privacy/export", query_string={"email": "nope"}, headers=tokens["admin"])
    assert bad.status_code == 422


def test_erase_anonymises_excludes_from_training_and_audits_without_the_address(
    app: Flask, client: FlaskClient, tokens: Tokens
) -> None:
    ids = _post_two(client)
    response = client.post("/api/v1/privacy/erase", json={"email": EMAIL}, headers=tokens["admin"])
    assert response.status_code == 200
    assert response.get_json() == {"erased_comments": 2}
    with app.app_context():
        for comment_id in ids:
            comment = db.session.get(Comment, comment_id)
            assert comment is not None
            assert (comment.author_name, comment.author_email, comment.ip_hash) == ("[erased]", None, None)
            assert comment.excluded_from_training is True
        events = list(db.session.scalars(select(AuditEvent)))
        erased = [e for e in events if e.action == "privacy.erased"]
        assert len(erased) == 1 and erased[0].subject and erased[0].subject.startswith("email:")
        assert all(EMAIL not in json.dumps([e.subject, e.data, e.reason, e.actor]) for e in events)
        other = db.session.scalars(select(Comment).where(Comment.author_email == "other@example.org")).one()
        assert other.author_name != "[erased]"
    again = client.get("/api/v1/privacy/export", query_string={"email": EMAIL}, headers=tokens["admin"])
    assert again.get_json()["comments"] == []


def test_cli_export_and_erase(app: Flask, client: FlaskClient) -> None:
    ids = _post_two(client)
    exported = run_cli(app, "privacy", "export", EMAIL)
    assert exported.exit_code == 0
    assert [c["id"] for c in json.loads(exported.output)["comments"]] == ids
    erased = run_cli(app, "privacy", "erase", EMAIL, "--yes")
    assert erased.exit_code == 0 and "2 comments anonymised" in erased.output
    with app.app_context():
        assert db.session.scalar(select(Comment.author_email).where(Comment.id == ids[0])) is None


def test_purge_ips_removes_only_hashes_past_retention(app: Flask, client: FlaskClient) -> None:
    old, new = _post_two(client)
    with app.app_context():
        assert db.session.scalar(select(Comment.ip_hash).where(Comment.id == old)) is not None
        db.session.execute(update(Comment).where(Comment.id == old).values(created_at=utcnow() - timedelta(days=31)))
        db.session.commit()
    result = run_cli(app, "privacy", "purge-ips")
    assert result.exit_code == 0 and "1 IP-address hashes" in result.output
    with app.app_context():
        assert db.session.scalar(select(Comment.ip_hash).where(Comment.id == old)) is None
        assert db.session.scalar(select(Comment.ip_hash).where(Comment.id == new)) is not None


def test_stored_ip_hash_is_never_the_address(app: Flask, client: FlaskClient) -> Any:
    response = client.post("/api/v1/comments", json=good_comment(), environ_base={"REMOTE_ADDR": "203.0.113.77"})
    with app.app_context():
        stored = db.session.get(Comment, response.get_json()["id"])
        assert stored is not None and stored.ip_hash is not None
        assert "203.0.113" not in stored.ip_hash and len(stored.ip_hash) == 64
