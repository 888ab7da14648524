"""The demo article and its comment section without JavaScript: the same validation and use case as the API."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from service.routes.pages import DEMO_ARTICLE_ID
from tests.conftest import good_comment, set_policy
from tests.pages.helpers import csrf_from


def _form(client: FlaskClient, **changes: Any) -> dict[str, Any]:
    page = client.get("/demo/article").get_data(as_text=True)
    form = {
        "article_id": DEMO_ARTICLE_ID,
        "author_name": "Ada Lovelace",
        "author_email": "ada@example.org",
        "body": "Good that the roads are being secured, but farmers need to reach their fields.",
        "parent_id": "",
        "website": "",
        "csrf_token": csrf_from(page),
    }
    form.update(changes)
    return form


def test_article_page_shows_story_policy_and_form_with_required_legend(client: FlaskClient) -> None:
    response = client.get("/demo/article")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Security tightened across Diyala" in html and "Comment Policy" in html
    assert '<html lang="en" dir="ltr">' in html and 'href="/demo/article/ar" hreflang="ar"' in html
    assert "* Denotes Required Field" in html
    assert "1500 / 1500" in html.replace("\n", " ").replace("  ", " ") or ">1500</span> / 1500" in html
    assert 'name="website"' in html and 'name="form_token"' in html
    # No inline script: the page works under a CSP without 'unsafe-inline'.
    assert "<script>" not in html and "onclick" not in html and "style=" not in html


def test_no_js_post_of_a_good_comment_shows_the_published_outcome_and_the_comment(
    client: FlaskClient, tokens: dict[str, dict[str, str]]
) -> None:
    set_policy(client, tokens, publish_below=1.0, reject_at=1.0, audit_sample_rate=0.0)
    response = client.post("/demo/article", data=_form(client))
    html = response.get_data(as_text=True)
    assert response.status_code == 201
    assert "Your comment is published." in html
    assert "farmers need to reach their fields" in html


def test_no_js_post_of_a_borderline_comment_says_awaiting_moderation(
    client: FlaskClient, tokens: dict[str, dict[str, str]]
) -> None:
    set_policy(client, tokens, publish_below=0.0, reject_at=1.0, audit_sample_rate=0.0)
    html = client.post("/demo/article", data=_form(client)).get_data(as_text=True)
    assert "Awaiting moderation" in html
    assert 'class="comment-list"' in html and "farmers need to reach their fields" not in html.split("comment-list")[1]


def test_rejected_comment_shows_the_reason_in_plain_language(
    client: FlaskClient, tokens: dict[str, dict[str, str]]
) -> None:
    set_policy(client, tokens, banned_terms=["trolltastic"], high_band="reject", audit_sample_rate=0.0)
    html = client.post("/demo/article", data=_form(client, body="What a trolltastic plan.")).get_data(as_text=True)
    assert "Not published" in html
    assert "The comment contains a term that is not allowed." in html


def test_missing_field_re_renders_the_form_with_the_error_and_the_entered_values(client: FlaskClient) -> None:
    response = client.post("/demo/article", data=_form(client, author_name="   ", body="Kept text"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="author_name-error" data-error-for="author_name">Missing data for required field.' in html
    assert ">Kept text</textarea>" in html
    assert 'value="ada@example.org"' in html


def test_over_long_body_is_refused_with_the_limit_message_and_a_negative_counter(client: FlaskClient) -> None:
    html = client.post("/demo/article", data=_form(client, body="x" * 1501)).get_data(as_text=True)
    assert "Longer than the limit of 1500 characters." in html
    assert ">-1</span> / 1500" in html


def test_form_post_without_a_valid_csrf_token_is_refused(client: FlaskClient) -> None:
    response = client.post("/demo/article", data=_form(client, csrf_token="forged"))
    assert response.status_code == 400
    assert "The form expired" in response.get_data(as_text=True)


def test_replies_are_threaded_one_level_under_their_comment(
    client: FlaskClient, tokens: dict[str, dict[str, str]]
) -> None:
    set_policy(client, tokens, publish_below=1.0, reject_at=1.0, audit_sample_rate=0.0)
    on_demo = {"article_id": DEMO_ARTICLE_ID}
    parent_comment = good_comment(body="The parent comment here.", **on_demo)
    parent = client.post("/api/v1/comments", json=parent_comment).get_json()["id"]
    client.post("/api/v1/comments", json=good_comment(body="A reply to the parent.", parent_id=parent, **on_demo))
    html = client.get("/demo/article").get_data(as_text=True)
    thread = html.split(f'id="comment-{parent}"')[1]
    assert '<ol class="replies">' in thread.split("</li>\n    \n    <li")[0]
    assert "A reply to the parent." in thread


def test_embed_script_is_served_as_javascript(client: FlaskClient) -> None:
    with client.get("/embed.js") as response:
        assert response.status_code == 200
        assert response.mimetype == "text/javascript"
        assert b"data-moderato-article" in response.data


def test_cors_allows_only_configured_origins_on_public_comment_endpoints(make_app: Any) -> None:
    app = make_app({"web": {"allowed_origins": ["https://news.example"]}})
    client = app.test_client()
    listed = client.get(f"/api/v1/articles/{DEMO_ARTICLE_ID}/comments", headers={"Origin": "https://news.example"})
    assert listed.headers["Access-Control-Allow-Origin"] == "https://news.example"
    preflight = client.options(
        "/api/v1/comments",
        headers={"Origin": "https://news.example", "Access-Control-Request-Method": "POST"},
    )
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://news.example"
    assert "Content-Type" in preflight.headers["Access-Control-Allow-Headers"]
    other = client.get(f"/api/v1/articles/{DEMO_ARTICLE_ID}/comments", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers
    queue = client.get("/api/v1/queue", headers={"Origin": "https://news.example"})
    assert "Access-Control-Allow-Origin" not in queue.headers
