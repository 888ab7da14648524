"""HTTP contract of posting and listing comments: validation, error shape, pagination, privacy."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.conftest import good_comment, set_policy

REQUIRED = ["article_id", "author_name", "author_email", "body"]


def post(client: FlaskClient, payload: Any) -> Any:
    return client.post("/api/v1/comments", json=payload)


def assert_field_error(response: Any, field: str, fragment: str = "") -> None:
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "validation_error"
    assert field in error["fields"], error
    if fragment:
        assert any(fragment in message for message in error["fields"][field]), error["fields"][field]


@pytest.mark.parametrize(
    ("thresholds", "status", "message", "reasons"),
    [
        ({"publish_below": 1.0, "reject_at": 1.0}, "published", "Your comment is published.", []),
        ({"publish_below": 0.0, "reject_at": 1.0}, "pending", "Thank you. Your comment is awaiting moderation.", []),
        (
            {"publish_below": 0.0, "reject_at": 0.0, "high_band": "reject"},
            "rejected",
            "Your comment was not published because it breaks the comment policy.",
            ["score_high"],
        ),
    ],
)
def test_good_comment_is_stored_and_acknowledged(
    client: FlaskClient,
    tokens: dict[str, dict[str, str]],
    thresholds: dict[str, Any],
    status: str,
    message: str,
    reasons: list[str],
) -> None:
    # Thresholds at the ends of the scale decide the outcome whatever the model scores.
    set_policy(client, tokens, **thresholds)
    response = post(client, good_comment())
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert set(body) == {"id", "status", "message", "reasons", "language", "edit_token", "editable_until"}
    assert body["language"] == "en"
    assert isinstance(body["id"], int)
    assert (body["status"], body["message"]) == (status, message)
    assert [reason["code"] for reason in body["reasons"]] == reasons
    assert response.headers["Location"].endswith(f"/api/v1/comments/{body['id']}")
    # Only a published comment is readable at its Location.
    assert client.get(response.headers["Location"]).status_code == (200 if status == "published" else 404)


@pytest.mark.parametrize("field", REQUIRED)
def test_missing_required_field_is_named(client: FlaskClient, field: str) -> None:
    assert_field_error(post(client, good_comment(**{field: ...})), field, "Missing data")


@pytest.mark.parametrize("field", REQUIRED)
def test_null_required_field_is_named(client: FlaskClient, field: str) -> None:
    assert_field_error(post(client, good_comment(**{field: None})), field, "null")


@pytest.mark.parametrize("field", REQUIRED)
@pytest.mark.parametrize("value", [12, 1.5, True, ["a"], {"a": 1}])
def test_wrong_type_is_named(client: FlaskClient, field: str, value: Any) -> None:
    assert_field_error(post(client, good_comment(**{field: value})), field)


@pytest.mark.parametrize("field", REQUIRED)
@pytest.mark.parametrize("value", ["", "   ", "\n\t  \n"])
def test_empty_or_whitespace_field_counts_as_missing(client: FlaskClient, field: str, value: str) -> None:
    assert_field_error(post(client, good_comment(**{field: value})), field, "Missing data")


def test_every_bad_field_is_reported_at_once(client: FlaskClient) -> None:
    response = post(client, {"body": "x" * 1501, "author_email": "nope"})
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == {"article_id", "author_name", "author_email", "body"}


@pytest.mark.parametrize(
    "body",
    [
        "a" * 1500,
        "😀" * 1500,  # astral code points count once each
        "e\u0301" * 1500,  # 3000 code points that NFC composes to 1500
        "  \n" + "b" * 1500 + "\n\t  ",  # surrounding whitespace is not counted
    ],
)
def test_body_of_exactly_the_limit_is_accepted(client: FlaskClient, body: str) -> None:
    response = post(client, good_comment(body=body))
    assert response.status_code == 201, response.get_json()


@pytest.mark.parametrize("body", ["a" * 1501, "😀" * 1501, "e\u0301" * 1501])
def test_body_over_the_limit_names_the_limit(client: FlaskClient, body: str) -> None:
    assert_field_error(post(client, good_comment(body=body)), "body", "1500")


def test_stored_body_is_nfc_and_trimmed(client: FlaskClient, app: Any) -> None:
    from service.extensions import db
    from service.records import Comment

    created = post(client, good_comment(body="  Cafe\u0301 au lait\r\nplease  ")).get_json()
    with app.app_context():
        assert db.session.get(Comment, created["id"]).body == "Café au lait\nplease"


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\x7f", "\x85"])
def test_control_characters_in_body_are_rejected(client: FlaskClient, char: str) -> None:
    assert_field_error(post(client, good_comment(body=f"hello {char} world")), "body", "control characters")


def test_newlines_and_tabs_in_body_are_allowed(client: FlaskClient) -> None:
    assert post(client, good_comment(body="line one\n\tline two")).status_code == 201


def test_lone_surrogate_is_rejected_not_a_server_error(client: FlaskClient) -> None:
    raw = '{"article_id": "a", "author_name": "b", "author_email": "c@example.org", "body": "x \\ud800 y"}'
    response = client.post("/api/v1/comments", data=raw, content_type="application/json")
    assert_field_error(response, "body", "U+D800")


@pytest.mark.parametrize(
    "email", ["plainaddress", "a@", "@example.org", "a b@example.org", "a@example..org", "x" * 250 + "@example.org"]
)
def test_bad_email_is_rejected(client: FlaskClient, email: str) -> None:
    assert_field_error(post(client, good_comment(author_email=email)), "author_email")


def test_author_name_limits(client: FlaskClient) -> None:
    assert post(client, good_comment(author_name="A")).status_code == 201
    assert post(client, good_comment(author_name="N" * 80)).status_code == 201
    assert_field_error(post(client, good_comment(author_name="N" * 81)), "author_name", "80")
    assert_field_error(post(client, good_comment(author_name="Ada\nLovelace")), "author_name", "control")


def test_article_id_limits(client: FlaskClient) -> None:
    assert post(client, good_comment(article_id="a" * 200)).status_code == 201
    assert_field_error(post(client, good_comment(article_id="a" * 201)), "article_id", "200")
    assert_field_error(post(client, good_comment(article_id="news\u200b/1")), "article_id", "printable")


def test_unknown_fields_are_rejected(client: FlaskClient) -> None:
    assert_field_error(post(client, good_comment(status="published")), "status", "Unknown")


def test_json_that_is_not_an_object_is_422(client: FlaskClient) -> None:
    for payload in ([1, 2], "text", 3):
        response = post(client, payload)
        assert response.status_code == 422
        assert response.get_json()["error"]["code"] == "validation_error"


def test_malformed_json_is_400_in_the_error_shape(client: FlaskClient) -> None:
    response = client.post("/api/v1/comments", data='{"body": ', content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_request"


def test_non_json_is_415(client: FlaskClient) -> None:
    response = client.post("/api/v1/comments", data="body=hi", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415
    assert set(response.get_json()["error"]) == {"code", "message", "fields"}


def test_request_over_64_kib_is_413(client: FlaskClient) -> None:
    raw = json.dumps(good_comment(body="z" * (65 * 1024)))
    response = client.post("/api/v1/comments", data=raw, content_type="application/json")
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "request_entity_too_large"


def test_unknown_route_and_wrong_method_answer_json(client: FlaskClient) -> None:
    missing = client.get("/api/v1/nothing-here")
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"
    wrong = client.delete("/api/v1/comments")
    assert wrong.status_code == 405 and "POST" in wrong.headers["Allow"]


def publish_everything(client: FlaskClient, app: Any) -> None:
    """Raise publish_below to 1.0 so every scored comment is published (the policy is data, not code)."""
    from service.extensions import db
    from service.policy import change_policy

    with app.app_context():
        change_policy({"publish_below": 1.0, "reject_at": 1.0}, "test", app.config["MODERATO"]["policy"])
        db.session.remove()


def test_reply_parent_must_exist_be_published_and_on_the_same_article(client: FlaskClient, app: Any) -> None:
    assert_field_error(post(client, good_comment(parent_id=999999)), "parent_id", "No comment")
    publish_everything(client, app)
    parent = post(client, good_comment()).get_json()
    assert parent["status"] == "published"
    assert post(client, good_comment(parent_id=parent["id"])).status_code == 201
    assert_field_error(
        post(client, good_comment(article_id="other", parent_id=parent["id"])), "parent_id", "another article"
    )
    assert_field_error(post(client, good_comment(parent_id="1")), "parent_id", "integer")


def test_reply_to_an_unpublished_comment_is_refused(client: FlaskClient, app: Any) -> None:
    from service.extensions import db
    from service.policy import change_policy

    with app.app_context():
        change_policy({"publish_below": 0.0, "reject_at": 1.0}, "test", app.config["MODERATO"]["policy"])
        db.session.remove()
    pending = post(client, good_comment()).get_json()
    assert pending["status"] == "pending"
    assert_field_error(post(client, good_comment(parent_id=pending["id"])), "parent_id", "published")


def test_article_list_is_published_only_oldest_first_paginated_and_without_email(client: FlaskClient, app: Any) -> None:
    publish_everything(client, app)
    ids = [post(client, good_comment(body=f"Comment number {n} about the bridge.")).get_json()["id"] for n in range(7)]
    post(client, good_comment(article_id="another-article"))
    seen: list[int] = []
    sizes: list[int] = []
    cursor = None
    while True:
        query = "?limit=3" + (f"&cursor={cursor}" if cursor else "")
        page = client.get(f"/api/v1/articles/2026/11/harbour-bridge-reopens/comments{query}").get_json()
        sizes.append(len(page["items"]))
        for item in page["items"]:
            assert "author_email" not in item and "ada@example.org" not in json.dumps(item)
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sizes == [3, 3, 1]
    assert seen == ids


def test_pending_comments_are_not_listed(client: FlaskClient, app: Any) -> None:
    from service.extensions import db
    from service.policy import change_policy

    with app.app_context():
        change_policy({"publish_below": 0.0}, "test", app.config["MODERATO"]["policy"])
        db.session.remove()
    created = post(client, good_comment()).get_json()
    assert created["status"] == "pending"
    page = client.get("/api/v1/articles/2026/11/harbour-bridge-reopens/comments").get_json()
    assert page == {"items": [], "next_cursor": None}
    assert client.get(f"/api/v1/comments/{created['id']}").status_code == 404


@pytest.mark.parametrize("query", ["?limit=101", "?limit=0", "?limit=abc", "?cursor=not-a-cursor", "?sort=new"])
def test_bad_list_arguments_are_422(client: FlaskClient, query: str) -> None:
    response = client.get(f"/api/v1/articles/a/comments{query}")
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]
