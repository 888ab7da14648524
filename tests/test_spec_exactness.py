"""What the OpenAPI document says is what the server does: the mismatches schemathesis found, one test each."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.conftest import good_comment

Tokens = dict[str, dict[str, str]]


def spec_schema(client: FlaskClient, name: str) -> dict[str, Any]:
    schema: dict[str, Any] = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"][name]
    return schema


@pytest.mark.parametrize(
    ("path", "role"), [("/api/v1/queue/claim", "moderator"), ("/api/v1/models/x/promote", "admin")]
)
def test_an_optional_body_sent_as_json_null_is_refused(
    client: FlaskClient, tokens: Tokens, path: str, role: str
) -> None:
    headers = {**tokens[role], "Content-Type": "application/json"}
    response = client.post(path, data="null", headers=headers)
    assert response.status_code == 422, response.get_json()
    assert client.post("/api/v1/queue/claim", headers=tokens["moderator"]).status_code == 200


@pytest.mark.parametrize("nudged", [0, 1, "true", "yes"])
def test_nudged_is_a_json_boolean_only(client: FlaskClient, nudged: Any) -> None:
    response = client.post("/api/v1/comments", json=good_comment(nudged=nudged))
    assert response.status_code == 422
    assert "nudged" in response.get_json()["error"]["fields"]


@pytest.mark.parametrize(
    "url",
    [
        "http://example.org:99999/hook",  # urlsplit raised ValueError: a 500 before
        "http://[::1/hook",
        "http://[:::]/hook",
        "ftp://example.org/hook",
        "http:///hook",
        "http://example.org/hook\n",
    ],
)
def test_a_webhook_url_the_pattern_refuses_is_a_field_error_never_a_500(
    client: FlaskClient, tokens: Tokens, url: str
) -> None:
    body = {"url": url, "secret": "s" * 20, "events": ["comment.decided"]}
    response = client.post("/api/v1/webhooks", json=body, headers=tokens["admin"])
    assert response.status_code == 422, response.get_json()
    assert "url" in response.get_json()["error"]["fields"]


def test_a_model_path_holding_nothing_is_404_and_a_broken_card_422(
    client: FlaskClient, tokens: Tokens, tmp_path: Any
) -> None:
    for path in (str(tmp_path / "absent"), "0" * 400):
        response = client.post("/api/v1/models", json={"path": path}, headers=tokens["admin"])
        assert response.status_code == 404, response.get_json()
        assert response.get_json()["error"]["code"] == "model_not_found"
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "model-card.json").write_text("{not json", encoding="utf-8")
    response = client.post("/api/v1/models", json={"path": str(tmp_path / "broken")}, headers=tokens["admin"])
    assert response.status_code == 422 and "path" in response.get_json()["error"]["fields"]


def test_score_needs_exactly_one_of_body_and_bodies_and_the_document_says_so(
    client: FlaskClient, tokens: Tokens
) -> None:
    for body in ({"body": "a", "bodies": ["b"]}, {}):
        response = client.post("/api/v1/score", json=body, headers=tokens["admin"])
        assert response.status_code == 422
    assert spec_schema(client, "ScoreIn")["oneOf"] == [{"required": ["body"]}, {"required": ["bodies"]}]
    operation = client.get("/api/v1/openapi.json").get_json()["paths"]["/api/v1/score"]["post"]
    assert operation["requestBody"]["required"] is True


def test_a_decisions_reason_must_fit_its_action_and_the_document_says_which(
    client: FlaskClient, tokens: Tokens
) -> None:
    branches = spec_schema(client, "DecisionIn")["oneOf"]
    by_action = {b["properties"]["action"]["enum"][0]: b for b in branches}
    assert "acceptable" in by_action["approve"]["properties"]["reason"]["enum"]
    assert "threat" in by_action["reject"]["properties"]["reason"]["enum"]
    assert by_action["reject"]["required"] == ["reason"]
    for body in (
        {"action": "reject"},
        {"action": "reject", "reason": "acceptable"},
        {"action": "approve", "reason": "spam"},
    ):
        response = client.post("/api/v1/comments/1/decision", json=body, headers=tokens["moderator"])
        assert response.status_code in (404, 422)  # no comment 1: the reason is checked with the comment


def test_keyed_objects_name_their_keys_and_sizes(client: FlaskClient) -> None:
    patch = spec_schema(client, "PolicyPatch")["properties"]
    assert set(patch["thresholds_by_language"]["properties"]) == {"en", "ar"}
    assert patch["thresholds_by_language"]["additionalProperties"] is False
    assert patch["thresholds_by_language"]["maxProperties"] == 50
    assert "maxLength" not in patch["category_thresholds"]
    assert set(patch["category_thresholds"]["properties"]) == {"threat", "hate", "insult", "obscene", "spam", "abuse"}
    assert spec_schema(client, "CommentIn")["properties"]["client_ip"]["anyOf"] == [
        {"format": "ipv4"},
        {"format": "ipv6"},
    ]


def test_every_cursor_the_pattern_allows_names_a_page_and_nothing_else_does(client: FlaskClient) -> None:
    # Paging through real cursors: tests/routes/test_comments.py. Here the edges of the pattern.
    for far in ("0.0", "9999999999999999.9999999999"):
        assert client.get(f"/api/v1/articles/a/comments?cursor={far}").status_code == 200
    for bad in ("0", "1.2.3", "-1.2", "1.2\n", "MjAyNg", "1" * 17 + ".1"):
        response = client.get("/api/v1/articles/a/comments", query_string={"cursor": bad})
        assert response.status_code == 422 and "cursor" in response.get_json()["error"]["fields"]


def test_a_nul_character_anywhere_is_refused_before_the_database_sees_it(client: FlaskClient, tokens: Tokens) -> None:
    # PostgreSQL cannot store or compare U+0000: schemathesis found a webhook secret holding one answered 400 there.
    webhook = {"url": "http://example.org/hook", "secret": "s" * 20 + "\x00", "events": ["comment.decided"]}
    response = client.post("/api/v1/webhooks", json=webhook, headers=tokens["admin"])
    assert response.status_code == 422 and "secret" in response.get_json()["error"]["fields"]
    webhook = {**webhook, "secret": "s" * 20, "url": "http://example.org/a\x00b"}
    response = client.post("/api/v1/webhooks", json=webhook, headers=tokens["admin"])
    assert response.status_code == 422 and "url" in response.get_json()["error"]["fields"]
    decision = {"action": "reject", "reason": "other", "reason_text": "a\x00b"}
    response = client.post("/api/v1/comments/1/decision", json=decision, headers=tokens["moderator"])
    assert response.status_code == 422 and "reason_text" in response.get_json()["error"]["fields"]
    response = client.get("/api/v1/queue", query_string={"article_id": "a\x00"}, headers=tokens["moderator"])
    assert response.status_code == 422 and "article_id" in response.get_json()["error"]["fields"]
    assert client.get("/api/v1/articles/a%00b/comments").status_code == 404
    assert client.get("/api/v1/queue", query_string={"article_id": "a"}, headers=tokens["moderator"]).status_code == 200
