"""Hostile text (script tags, attribute break-outs, javascript: URLs) is shown as text on every page."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient

from service.routes.pages import DEMO_ARTICLE_ID
from tests.conftest import good_comment, set_policy
from tests.pages.helpers import bearer_secret, claim_page, sign_in

PAYLOADS = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "javascript:alert(1)"]
RAW = ["<script>alert", "<img src=x", 'href="javascript:', "onerror=alert(1)>"]


def _assert_escaped(html: str) -> None:
    for raw in RAW:
        assert raw not in html, raw
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in html or "&quot;&gt;&lt;img src=x" in html


def _hostile_comment(client: FlaskClient) -> None:
    body = " ".join(PAYLOADS) + " [link](javascript:alert(1))"
    payload = good_comment(article_id=DEMO_ARTICLE_ID, author_name=PAYLOADS[1][:60], body=body)
    response = client.post("/api/v1/comments", json=payload)
    assert response.status_code == 201, response.get_json()


def test_article_page_shows_hostile_comments_and_names_as_text(
    client: FlaskClient, tokens: dict[str, dict[str, str]]
) -> None:
    set_policy(client, tokens, publish_below=1.0, reject_at=1.0, audit_sample_rate=0.0)
    _hostile_comment(client)
    html = client.get("/demo/article").get_data(as_text=True)
    _assert_escaped(html)
    assert "javascript:alert(1)" in html  # shown, as text, never as a link


@pytest.mark.parametrize("field", ["author_name", "body"])
def test_re_rendered_form_escapes_the_entered_values(client: FlaskClient, field: str) -> None:
    from tests.pages.test_article import _form

    response = client.post("/demo/article", data=_form(client, author_email="not-an-email", **{field: PAYLOADS[1]}))
    assert response.status_code == 422
    assert "<img src=x" not in response.get_data(as_text=True)


def test_moderator_page_shows_hostile_comments_names_and_reasons_as_text(
    client: FlaskClient, tokens: dict[str, dict[str, str]]
) -> None:
    set_policy(client, tokens, publish_below=0.0, reject_at=1.0, audit_sample_rate=0.0)
    set_policy(client, tokens, suspect_terms=["alert"])
    _hostile_comment(client)
    sign_in(client, bearer_secret(tokens["moderator"]))
    html = claim_page(client)
    # Explanation terms are wrapped in <mark> elements; the text inside them is escaped like the rest.
    _assert_escaped(re.sub(r"</?mark[^>]*>", "", html))
    assert "suspect_term" in html


def test_admin_page_shows_hostile_terms_token_names_and_history_as_text(
    client: FlaskClient, tokens: dict[str, dict[str, str]]
) -> None:
    set_policy(client, tokens, banned_terms=PAYLOADS, suspect_terms=PAYLOADS[1:])
    client.post("/api/v1/tokens", json={"name": PAYLOADS[0], "role": "moderator"}, headers=tokens["admin"])
    sign_in(client, bearer_secret(tokens["admin"]), "/admin")
    html = client.get("/admin").get_data(as_text=True)
    _assert_escaped(html)
