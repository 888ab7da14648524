"""The nudge before posting: POST /api/v1/comments/check decides like a post, stores and logs nothing; a comment
posted anyway after a nudge is recorded as such."""

from __future__ import annotations

import logging
import uuid
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from service.extensions import db
from service.records import AuditEvent, Comment
from tests.conftest import good_comment, set_policy

RUDE = "You are a scoundrel and this reporter is a scoundrel too."


def _counts(app: Flask) -> tuple[int, int]:
    with app.app_context():
        counts = (
            db.session.scalar(select(func.count(Comment.id))) or 0,
            db.session.scalar(select(func.count(AuditEvent.id))) or 0,
        )
        db.session.remove()
    return counts


def test_a_banned_word_is_a_nudge_naming_the_word_and_nothing_is_stored(
    app: Flask, client: FlaskClient, tokens: dict[str, dict[str, str]]
) -> None:
    set_policy(client, tokens, publish_below=1.0, reject_at=1.0, banned_terms=["scoundrel"], suspect_terms=["reporter"])
    before = _counts(app)
    response = client.post("/api/v1/comments/check", json=good_comment(body=RUDE))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["status"] == "rejected" and body["nudge"] is True
    assert [reason["code"] for reason in body["reasons"]] == ["banned_term", "suspect_term"]
    assert [(word["term"], word["source"]) for word in body["words"]] == [
        ("scoundrel", "banned_term"),
        ("reporter", "suspect_term"),
    ]
    assert _counts(app) == before


def test_a_clean_comment_is_no_nudge(client: FlaskClient, tokens: dict[str, dict[str, str]]) -> None:
    set_policy(client, tokens, publish_below=1.0, reject_at=1.0, banned_terms=["scoundrel"])
    body = client.post("/api/v1/comments/check", json=good_comment()).get_json()
    assert body == {"status": "published", "nudge": False, "reasons": [], "words": []}


def test_a_borderline_score_names_the_classifier_words_with_their_place_in_the_text(
    client: FlaskClient, tokens: dict[str, dict[str, str]]
) -> None:
    set_policy(client, tokens, publish_below=0.0, reject_at=1.0)
    text = "You idiots are stupid and pathetic, shut up."
    body = client.post("/api/v1/comments/check", json=good_comment(body=text)).get_json()
    assert body["status"] == "pending" and body["nudge"] is True
    assert [reason["code"] for reason in body["reasons"]] == ["score_borderline"]
    assert body["words"], body
    for word in body["words"]:
        assert word["source"] == "classifier"
        assert text[word["start"] : word["end"]].casefold() == word["term"].casefold()


def test_a_hold_that_is_not_about_the_text_is_no_nudge_and_is_not_explained(
    client: FlaskClient, tokens: dict[str, dict[str, str]]
) -> None:
    # The check has the facts the post would have: a new author is held, but no rewording would change that.
    set_policy(client, tokens, publish_below=1.0, reject_at=1.0, new_author_hold=1)
    body = client.post("/api/v1/comments/check", json=good_comment()).get_json()
    assert body == {"status": "pending", "nudge": False, "reasons": [], "words": []}
    assert client.post("/api/v1/comments", json=good_comment()).get_json()["status"] == "pending"
    body = client.post("/api/v1/comments/check", json=good_comment(body="Another thought on the bridge.")).get_json()
    assert body["status"] == "published"


def test_the_check_answers_like_posting_for_closed_articles_and_invalid_fields(
    client: FlaskClient, tokens: dict[str, dict[str, str]]
) -> None:
    set_policy(client, tokens, closed_articles=["2026/11/harbour-bridge-reopens"])
    response = client.post("/api/v1/comments/check", json=good_comment())
    assert (response.status_code, response.get_json()["error"]["code"]) == (403, "article_closed")
    response = client.post("/api/v1/comments/check", json=good_comment(author_email="nope"))
    assert response.status_code == 422 and "author_email" in response.get_json()["error"]["fields"]


def test_the_check_logs_no_text(
    client: FlaskClient, tokens: dict[str, dict[str, str]], caplog: pytest.LogCaptureFixture
) -> None:
    set_policy(client, tokens, publish_below=0.0, reject_at=1.0, banned_terms=["scoundrel"])
    caplog.set_level(logging.DEBUG)
    assert client.post("/api/v1/comments/check", json=good_comment(body=RUDE)).status_code == 200
    assert client.post("/api/v1/comments", json=good_comment(body=RUDE)).status_code == 201
    messages = [record.getMessage() for record in caplog.records]
    # The capture works (the post's line is there), and nothing logged holds the text.
    assert any(message.startswith("comment moderated") for message in messages)
    assert not [message for message in messages if "scoundrel" in message]


def test_a_comment_posted_anyway_after_a_nudge_is_recorded_and_audited_as_nudged(
    app: Flask, client: FlaskClient, tokens: dict[str, dict[str, str]]
) -> None:
    set_policy(client, tokens, publish_below=1.0, reject_at=1.0, suspect_terms=["scoundrel"])
    nudged = client.post("/api/v1/comments", json=good_comment(body=RUDE, nudged=True)).get_json()
    plain = client.post("/api/v1/comments", json=good_comment(body="A plain remark about the bridge.")).get_json()
    with app.app_context():
        flags = {
            comment_id: db.session.get(Comment, comment_id).nudged  # type: ignore[union-attr]
            for comment_id in (nudged["id"], plain["id"])
        }
        audited = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "comment.submitted").order_by(AuditEvent.comment_id)
        ).all()
        db.session.remove()
    assert flags == {nudged["id"]: True, plain["id"]: False}
    assert [(event.comment_id, event.data["nudged"]) for event in audited] == [
        (nudged["id"], True),
        (plain["id"], False),
    ]


def test_the_check_is_rate_limited_like_posting(make_app: Any) -> None:
    app: Flask = make_app({"rate_limits": {"enabled": True, "comments_per_network": "2 per minute"}})
    client = app.test_client()
    value = uuid.uuid4().int
    address = f"10.{value % 250}.{(value >> 8) % 250}.9"
    statuses = [
        client.post(
            "/api/v1/comments/check",
            json=good_comment(author_email=f"r{i}@example.org"),
            environ_base={"REMOTE_ADDR": address},
        ).status_code
        for i in range(3)
    ]
    assert statuses == [200, 200, 429]
    # Its own counters: checking did not use up the network's posts.
    posted = client.post("/api/v1/comments", json=good_comment(), environ_base={"REMOTE_ADDR": address})
    assert posted.status_code == 201
