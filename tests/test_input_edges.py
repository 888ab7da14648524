"""Smaller input edges: an over-long honeypot gets the same 201, invisible bodies and disguised names are refused,
and memory rate counters say plainly that they are per worker."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.conftest import good_comment


def test_an_over_long_honeypot_is_accepted_and_held_like_any_other(client: FlaskClient) -> None:
    response = client.post("/api/v1/comments", json=good_comment(website="x" * 501))
    assert response.status_code == 201
    assert response.get_json()["status"] == "pending"
    assert "website" not in response.get_data(as_text=True)


@pytest.mark.parametrize("body", ["\u200b\u200d\u2060", "\ufeff", " \u200b \u2060 ", "\u200e\u200f"])
def test_a_body_of_only_invisible_characters_is_a_field_error(client: FlaskClient, body: str) -> None:
    response = client.post("/api/v1/comments", json=good_comment(body=body))
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]["body"] == ["Contains no visible characters."]


@pytest.mark.parametrize("name", ["Ada\u202eecalovol", "Ada\u2028Admin", "Ada\u2066x\u2069", "Ada\u2029"])
def test_names_with_direction_overrides_or_line_separators_are_a_field_error(client: FlaskClient, name: str) -> None:
    response = client.post("/api/v1/comments", json=good_comment(author_name=name + " Lovelace"))
    assert response.status_code == 422
    assert "author_name" in response.get_json()["error"]["fields"]


def test_arabic_names_and_bodies_with_ordinary_marks_still_pass(client: FlaskClient) -> None:
    response = client.post(
        "/api/v1/comments", json=good_comment(author_name="ليلى", body="شكرًا على التقرير\u200f عن الجسر.")
    )
    assert response.status_code == 201


def test_memory_rate_counters_warn_that_they_are_per_worker(make_app: Any, capsys: pytest.CaptureFixture[str]) -> None:
    make_app({"rate_limits": {"enabled": True}, "redis": {"url": ""}})  # the app logs JSON lines to stderr
    assert "rate limits are counted per worker process" in capsys.readouterr().err
