"""An author's edits through the API: the edit token (only its hash stored), the window, every edit decided again,
withdrawal of a published comment whose edit is held, revisions in the history, privacy."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from service import authors
from service.extensions import db
from service.records import AuditEvent, Comment, CommentRevision, utcnow
from tests.conftest import good_comment, set_policy

Tokens = dict[str, dict[str, str]]
FIRST = "The bridge reopening was well handled by the council this week."
SECOND = "The bridge reopening was well handled by the council, and on time."


def _post(client: FlaskClient, body: str = FIRST, **fields: Any) -> dict[str, Any]:
    response = client.post("/api/v1/comments", json=good_comment(body=body, **fields))
    assert response.status_code == 201, response.get_json()
    posted: dict[str, Any] = response.get_json()
    return posted


def _edit(client: FlaskClient, comment_id: int, token: str, body: str) -> Any:
    return client.post(f"/api/v1/comments/{comment_id}/edit", json={"edit_token": token, "body": body})


def test_the_edit_token_is_returned_once_and_only_its_hash_is_stored(
    app: Flask, client: FlaskClient, tokens: Tokens
) -> None:
    set_policy(client, tokens, publish_below=1.0, reject_at=1.0)
    posted = _post(client)
    token = posted["edit_token"]
    assert token.startswith("edt_") and len(token) > 40
    until = datetime.fromisoformat(posted["editable_until"])
    assert timedelta(minutes=4, seconds=50) < until - utcnow() <= timedelta(minutes=5)
    with app.app_context():
        comment = db.session.get(Comment, posted["id"])
        assert comment is not None
        assert comment.edit_token_hash == hashlib.sha256(token.encode()).hexdigest()
        columns = {column.name: getattr(comment, column.key) for column in Comment.__mapper__.columns}
        db.session.remove()
    assert not [name for name, value in columns.items() if isinstance(value, str) and token in value]
    assert "edit_token" not in client.get(f"/api/v1/comments/{posted['id']}").get_json()


def test_an_edit_is_decided_again_and_the_old_text_is_kept_in_the_history(client: FlaskClient, tokens: Tokens) -> None:
    set_policy(client, tokens, publish_below=1.0, reject_at=1.0)
    posted = _post(client)
    response = _edit(client, posted["id"], posted["edit_token"], SECOND)
    assert response.status_code == 200, response.get_json()
    edited = response.get_json()
    # Nearly the same text as itself is no repeat: the comment is not compared with its own old text.
    assert (edited["status"], edited["reasons"], edited["withdrawn"]) == ("published", [], False)
    assert client.get(f"/api/v1/comments/{posted['id']}").get_json()["body"] == SECOND

    history = client.get(f"/api/v1/comments/{posted['id']}/history", headers=tokens["moderator"]).get_json()
    assert [(r["body"], r["status"]) for r in history["revisions"]] == [(FIRST, "published")]
    edit_event = history["items"][-1]
    assert (edit_event["action"], edit_event["actor"], edit_event["from_status"], edit_event["to_status"]) == (
        "comment.edited",
        "author",
        "published",
        "published",
    )
    assert edit_event["data"]["revision_id"] == history["revisions"][0]["id"]
    assert FIRST not in str(edit_event) and SECOND not in str(edit_event)


def test_a_published_comment_whose_edit_is_held_is_withdrawn_until_a_person_decides(
    client: FlaskClient, tokens: Tokens
) -> None:
    set_policy(client, tokens, publish_below=1.0, reject_at=1.0, suspect_terms=["lawsuit"])
    posted = _post(client)
    edited = _edit(client, posted["id"], posted["edit_token"], "The council deserves a lawsuit for this.").get_json()
    assert (edited["status"], edited["withdrawn"]) == ("pending", True)
    assert client.get(f"/api/v1/comments/{posted['id']}").status_code == 404
    (item,) = client.get("/api/v1/queue", headers=tokens["moderator"]).get_json()["items"]
    assert (item["id"], [r["code"] for r in item["reasons"]]) == (posted["id"], ["suspect_term"])
    decided = client.post(
        f"/api/v1/comments/{posted['id']}/decision", json={"action": "approve"}, headers=tokens["moderator"]
    )
    assert decided.get_json()["status"] == "published"
    # Decided by a person: no longer the author's to change.
    again = _edit(client, posted["id"], posted["edit_token"], SECOND)
    assert (again.status_code, again.get_json()["error"]["code"]) == (409, "conflict")


def test_a_held_comment_edited_into_a_clean_one_is_published(client: FlaskClient, tokens: Tokens) -> None:
    set_policy(client, tokens, publish_below=1.0, reject_at=1.0, banned_terms=["scoundrel"])
    posted = _post(client, "The mayor is a scoundrel and the bridge is late.")
    assert posted["status"] == "rejected"
    edited = _edit(client, posted["id"], posted["edit_token"], "The mayor was slow and the bridge is late.").get_json()
    assert (edited["status"], edited["withdrawn"]) == ("published", False)


def test_a_wrong_token_an_unknown_comment_and_a_closed_window_are_refused(
    app: Flask, client: FlaskClient, tokens: Tokens
) -> None:
    set_policy(client, tokens, publish_below=1.0, reject_at=1.0)
    first, second = _post(client), _post(client, "Another remark entirely, about the ferry timetable.")
    refused = _edit(client, first["id"], second["edit_token"], SECOND)
    assert (refused.status_code, refused.get_json()["error"]["code"]) == (403, "edit_refused")
    assert _edit(client, 999999, first["edit_token"], SECOND).status_code == 404
    assert _edit(client, first["id"], first["edit_token"], " ").status_code == 422

    with app.app_context():
        db.session.execute(
            update(Comment).where(Comment.id == first["id"]).values(created_at=utcnow() - timedelta(minutes=6))
        )
        db.session.commit()
        db.session.remove()
    closed = _edit(client, first["id"], first["edit_token"], SECOND)
    assert (closed.status_code, closed.get_json()["error"]["code"]) == (403, "edit_window_closed")
    # The window is the policy's: ten minutes lets the same edit through.
    set_policy(client, tokens, edit_window_minutes=10)
    assert _edit(client, first["id"], first["edit_token"], SECOND).status_code == 200
    # No window, no token.
    set_policy(client, tokens, edit_window_minutes=0)
    assert _post(client, "A third remark, about the harbour lights.")["edit_token"] is None


def test_a_suspended_author_cannot_edit(client: FlaskClient, tokens: Tokens) -> None:
    set_policy(client, tokens, publish_below=1.0, reject_at=1.0)
    posted = _post(client)
    key = authors.email_author_key("test-secret", "ada@example.org")
    client.post(f"/api/v1/authors/{key}/suspension", json={"days": 1}, headers=tokens["moderator"])
    refused = _edit(client, posted["id"], posted["edit_token"], SECOND)
    assert (refused.status_code, refused.get_json()["error"]["code"]) == (403, "author_suspended")


def test_privacy_export_lists_and_erase_removes_the_replaced_texts(
    app: Flask, client: FlaskClient, tokens: Tokens
) -> None:
    set_policy(client, tokens, publish_below=1.0, reject_at=1.0)
    posted = _post(client)
    _edit(client, posted["id"], posted["edit_token"], SECOND)
    exported = client.get("/api/v1/privacy/export?email=ada@example.org", headers=tokens["admin"]).get_json()
    assert [(r["comment_id"], r["body"]) for r in exported["comment_revisions"]] == [(posted["id"], FIRST)]
    client.post("/api/v1/privacy/erase", json={"email": "ada@example.org"}, headers=tokens["admin"])
    with app.app_context():
        assert db.session.scalars(select(CommentRevision)).all() == []
        assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == "comment.edited")).all()
        db.session.remove()


def test_a_comment_a_moderator_has_claimed_cannot_be_edited(client: FlaskClient, tokens: Tokens) -> None:
    set_policy(client, tokens, publish_below=0.0, reject_at=1.0)
    posted = _post(client)
    claimed = client.post("/api/v1/queue/claim", json={"limit": 1}, headers=tokens["moderator"]).get_json()
    assert [item["id"] for item in claimed["items"]] == [posted["id"]]
    refused = _edit(client, posted["id"], posted["edit_token"], SECOND)
    assert (refused.status_code, refused.get_json()["error"]["code"]) == (409, "conflict")
