"""Author history through the API: the record beside each queued comment, the author's recent comments, the
"hold after N rejections in D days" and "trust after M published" rules, and integration subjects."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from service import authors
from service.extensions import db
from service.records import Comment, utcnow
from tests.conftest import good_comment, run_cli, set_policy

Tokens = dict[str, dict[str, str]]
PUBLISH = {"publish_below": 1.0, "reject_at": 1.0}
HOLD = {"publish_below": 0.0, "reject_at": 1.0}
REJECT = {"publish_below": 0.0, "reject_at": 0.0, "high_band": "reject"}


def _post(client: FlaskClient, body: str, email: str = "ada@example.org", **fields: Any) -> dict[str, Any]:
    response = client.post("/api/v1/comments", json=good_comment(body=body, author_email=email, **fields))
    assert response.status_code == 201, response.get_json()
    posted: dict[str, Any] = response.get_json()
    return posted


def _queue(client: FlaskClient, tokens: Tokens) -> list[dict[str, Any]]:
    response = client.get("/api/v1/queue", headers=tokens["moderator"])
    assert response.status_code == 200, response.get_json()
    items: list[dict[str, Any]] = response.get_json()["items"]
    return items


def _history(client: FlaskClient, tokens: Tokens, email: str) -> None:
    """One published, one rejected and one held comment by `email`, in that order."""
    set_policy(client, tokens, **PUBLISH)
    _post(client, "First, a published remark about the harbour bridge.", email)
    set_policy(client, tokens, **REJECT)
    _post(client, "Second, a rejected remark about the harbour bridge.", email)
    set_policy(client, tokens, **HOLD)
    _post(client, "Third, a held remark about the harbour bridge.", email)


def test_each_queued_comment_shows_its_authors_record_and_the_record_lists_their_comments(
    client: FlaskClient, tokens: Tokens
) -> None:
    _history(client, tokens, "Ada@Example.org")
    _post(client, "Someone else's held remark about the harbour bridge.", "bob@example.org")
    items = {item["body"][:6]: item for item in _queue(client, tokens)}
    ada, bob = items["Third,"]["author"], items["Someon"]["author"]
    assert {key: ada[key] for key in ("published", "held", "rejected", "recent_rejections")} == {
        "published": 1,
        "held": 1,
        "rejected": 1,
        "recent_rejections": 1,
    }
    assert (ada["trusted"], ada["held_by_history"]) == (False, False)
    assert (bob["published"], bob["held"], bob["rejected"]) == (0, 1, 0)
    assert ada["key"] != bob["key"] and "@" not in ada["key"] and len(ada["key"]) == 64

    page = client.get(f"/api/v1/authors/{ada['key']}", headers=tokens["moderator"]).get_json()
    assert page["author"] == ada
    assert [(c["body"][:6], c["status"]) for c in page["comments"]] == [
        ("Third,", "pending"),
        ("Second", "rejected"),
        ("First,", "published"),
    ]
    assert "author_email" not in page["comments"][0]
    # The claim shows the record too.
    claimed = client.post("/api/v1/queue/claim", json={"limit": 5}, headers=tokens["moderator"]).get_json()
    assert {item["author"]["key"] for item in claimed["items"]} == {ada["key"], bob["key"]}


def test_the_author_endpoint_is_for_moderators_and_404s_for_an_unknown_author(
    client: FlaskClient, tokens: Tokens
) -> None:
    unknown = "0" * 64
    assert client.get(f"/api/v1/authors/{unknown}").status_code == 401
    assert client.get(f"/api/v1/authors/{unknown}", headers=tokens["integration"]).status_code == 403
    response = client.get(f"/api/v1/authors/{unknown}", headers=tokens["moderator"])
    assert (response.status_code, response.get_json()["error"]["code"]) == (404, "author_not_found")


def test_an_author_with_n_rejections_in_the_window_is_held_and_older_ones_do_not_count(
    app: Flask, client: FlaskClient, tokens: Tokens
) -> None:
    set_policy(client, tokens, **REJECT)
    first = _post(client, "A rejected remark, number one, about the harbour.")
    _post(client, "A rejected remark, number two, about the harbour.")
    set_policy(client, tokens, **PUBLISH, hold_after_rejections=2, rejection_window_days=7)
    held = _post(client, "Now a perfectly polite remark about the harbour.")
    assert held["status"] == "pending"
    other = _post(client, "Another reader's polite remark about the harbour.", "bob@example.org")
    assert other["status"] == "published"

    # One of the two rejections falls out of the 7-day window: the author is no longer held.
    with app.app_context():
        db.session.execute(
            update(Comment).where(Comment.id == first["id"]).values(created_at=utcnow() - timedelta(days=8))
        )
        db.session.commit()
        db.session.remove()
    assert _post(client, "A third polite remark about the harbour.")["status"] == "published"


def test_the_history_hold_gives_moderators_its_reason(client: FlaskClient, tokens: Tokens) -> None:
    set_policy(client, tokens, **REJECT)
    _post(client, "A rejected remark about the harbour bridge.")
    set_policy(client, tokens, **PUBLISH, hold_after_rejections=1)
    _post(client, "A polite remark about the harbour bridge.")
    (item,) = _queue(client, tokens)
    assert [reason["code"] for reason in item["reasons"]] == ["author_history"]
    assert item["author"]["held_by_history"] is True


def test_trust_after_m_published_skips_the_new_author_hold_but_not_the_classifier(
    client: FlaskClient, tokens: Tokens
) -> None:
    set_policy(client, tokens, **PUBLISH, new_author_hold=5, trust_after_published=2)
    ids = [_post(client, f"Held new-author remark number {n} about the bridge.")["id"] for n in range(2)]
    for comment_id in ids:
        decided = client.post(
            f"/api/v1/comments/{comment_id}/decision", json={"action": "approve"}, headers=tokens["moderator"]
        )
        assert decided.status_code == 200, decided.get_json()
    assert _post(client, "Now a trusted author's remark about the bridge.")["status"] == "published"
    # Another new author is still held; the trusted author is still scored.
    assert _post(client, "A newcomer's remark about the bridge.", "new@example.org")["status"] == "pending"
    set_policy(client, tokens, **HOLD)
    assert _post(client, "A trusted author's borderline remark about the bridge.")["status"] == "pending"


def test_an_integration_names_authors_by_its_own_subject(app: Flask, client: FlaskClient, tokens: Tokens) -> None:
    set_policy(client, tokens, **HOLD)
    for n, email in enumerate(["one@example.org", "two@example.org"]):
        response = client.post(
            "/api/v1/comments",
            json=good_comment(
                body=f"Integration remark {n} about the bridge.", author_email=email, author_subject="u-42"
            ),
            headers=tokens["integration"],
        )
        assert response.status_code == 201, response.get_json()
    # From anyone else the subject is ignored: the e-mail address keys the author.
    _post(client, "A reader's remark about the bridge.", "one@example.org", author_subject="u-42")
    with app.app_context():
        expected_subject = authors.subject_author_key("test-secret", "integration", "u-42")
        expected_email = authors.email_author_key("test-secret", "one@example.org")
        db.session.remove()
    keys = [item["author"]["key"] for item in _queue(client, tokens)]
    assert keys == [expected_subject, expected_subject, expected_email]
    assert _queue(client, tokens)[0]["author"]["held"] == 2


def test_author_rules_are_off_by_default_and_validated(client: FlaskClient, tokens: Tokens) -> None:
    policy = client.get("/api/v1/policy", headers=tokens["admin"]).get_json()
    assert (policy["hold_after_rejections"], policy["rejection_window_days"], policy["trust_after_published"]) == (
        0,
        30,
        0,
    )
    response = client.patch("/api/v1/policy", json={"rejection_window_days": 0}, headers=tokens["admin"])
    assert response.status_code == 422
    assert "rejection_window_days" in response.get_json()["error"]["fields"]


def test_backfill_keys_comments_stored_before_author_records(app: Flask, client: FlaskClient, tokens: Tokens) -> None:
    set_policy(client, tokens, **HOLD)
    _post(client, "An older remark about the harbour bridge.", "Ada@Example.org")
    _post(client, "Another older remark about the harbour bridge.", "bob@example.org")
    with app.app_context():
        db.session.execute(update(Comment).values(author_key=None))
        db.session.commit()
        db.session.remove()
    assert run_cli(app, "authors", "backfill").output.strip() == "2 comments keyed"
    assert run_cli(app, "authors", "backfill").output.strip() == "0 comments keyed"
    keys = {item["author"]["key"] for item in _queue(client, tokens)}
    assert keys == {
        authors.email_author_key("test-secret", "ada@example.org"),
        authors.email_author_key("test-secret", "bob@example.org"),
    }
