"""Comment-form tokens: single use, two hours at most, and a public post without one is held as unverified."""

from __future__ import annotations

import time
from typing import Any

import pytest
from flask.testing import FlaskClient

from service import bot_signals
from service.extensions import db
from service.records import Comment
from tests.conftest import good_comment

SECRET = "test-secret"  # conftest's secret_key


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"web": {"require_form_token": True, "min_seconds_to_submit": 3}}


def _post(client: FlaskClient, n: int, **changes: Any) -> dict[str, Any]:
    headers = changes.pop("headers", {})
    body = f"Reader {n} thinks the new tram timetable suits the night shift at the hospital."
    response = client.post(
        "/api/v1/comments", json=good_comment(body=body, author_email=f"r{n}@example.org", **changes), headers=headers
    )
    assert response.status_code == 201, response.get_json()
    result: dict[str, Any] = response.get_json()
    return result


def _codes(client: FlaskClient, result: dict[str, Any]) -> list[str]:
    """The stored reasons (a held comment's reasons are for moderators, not shown to the poster)."""
    with client.application.app_context():
        return [reason["code"] for reason in db.session.get(Comment, result["id"]).reasons]


def test_a_public_post_without_a_form_token_is_held_as_unverified(client: FlaskClient) -> None:
    result = _post(client, 1)
    assert result["status"] == "pending"
    assert _codes(client, result) == ["unverified_form"]


def test_a_form_token_counts_once(client: FlaskClient) -> None:
    token = bot_signals.issue_form_token(SECRET, now=time.time() - 60)
    first = _post(client, 1, form_token=token)
    assert first["status"] == "published", first
    for n in (2, 3, 4):
        again = _post(client, n, form_token=token)
        assert again["status"] == "pending"
        assert "unverified_form" in _codes(client, again)


def test_an_expired_or_forged_form_token_is_unverified(client: FlaskClient) -> None:
    expired = bot_signals.issue_form_token(SECRET, now=time.time() - bot_signals.FORM_TOKEN_MAX_AGE - 60)
    forged = bot_signals.issue_form_token("another-site", now=time.time() - 60)
    nonceless = "eyJ0IjoxfQ.invalid"
    for n, token in enumerate((expired, forged, nonceless)):
        result = _post(client, n, form_token=token)
        assert result["status"] == "pending"
        assert "unverified_form" in _codes(client, result)


def test_a_token_fresh_from_the_api_is_too_fast_when_sent_at_once(client: FlaskClient) -> None:
    response = client.get("/api/v1/form-token")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    result = _post(client, 1, form_token=response.get_json()["form_token"])
    assert result["status"] == "pending"
    assert _codes(client, result) == ["too_fast"]


def test_an_integration_posts_without_a_form_token(client: FlaskClient, tokens: dict[str, dict[str, str]]) -> None:
    result = _post(client, 1, headers=tokens["integration"])
    assert result["status"] == "published", result
    # Only integrations vouch for their readers: another role's token changes nothing.
    assert "unverified_form" in _codes(client, _post(client, 2, headers=tokens["moderator"]))
