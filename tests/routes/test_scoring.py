"""POST /api/v1/score: one body or a batch, any valid token, nothing stored."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

Tokens = dict[str, dict[str, str]]


def score(client: FlaskClient, tokens: Tokens, payload: Any, role: str = "integration") -> Any:
    return client.post("/api/v1/score", json=payload, headers=tokens[role])


def test_single_body_gets_the_contract_shape(client: FlaskClient, tokens: Tokens) -> None:
    body = "You are a complete idiot and a disgrace."
    result = score(client, tokens, {"body": body}).get_json()
    assert set(result) == {
        "score",
        "categories",
        "model_version",
        "explanation",
        "category_explanations",
        "language",
        "unsupported_languages",
    }
    assert (result["language"], result["unsupported_languages"]) == ("en", [])
    assert 0.0 <= result["score"] <= 1.0 and set(result["categories"]) >= {"abuse", "spam"}
    assert result["model_version"] == "2026-01-01.1"
    for item in result["explanation"]:
        assert body[item["start"] : item["end"]] == item["term"]


def test_batch_scores_each_body_in_order_and_matches_single_scores(client: FlaskClient, tokens: Tokens) -> None:
    bodies = ["Thanks for the clear report.", "Buy cheap watches at my shop now", "What a stupid idea"]
    batch = score(client, tokens, {"bodies": bodies}).get_json()["items"]
    singles = [score(client, tokens, {"body": b}).get_json()["score"] for b in bodies]
    assert [item["score"] for item in batch] == pytest.approx(singles, abs=1e-12)


def test_an_arabic_body_is_scored_by_the_arabic_model(client: FlaskClient, tokens: Tokens) -> None:
    body = "أنت غبي وحقير ويجب أن تموت"
    result = score(client, tokens, {"body": body}).get_json()
    assert result["language"] == "ar" and result["score"] is not None
    for item in result["explanation"]:
        assert body[item["start"] : item["end"]] == item["term"]


def test_a_body_no_model_reads_has_no_score_and_names_its_language(client: FlaskClient, tokens: Tokens) -> None:
    result = score(client, tokens, {"body": "این یک نظر کاملاً عادی درباره انتخابات پارلمانی است"}).get_json()
    assert result["score"] is None and result["model_version"] is None and result["explanation"] == []
    assert result["unsupported_languages"] == ["fa"]


@pytest.mark.parametrize("role", ["moderator", "admin", "integration"])
def test_any_valid_token_may_score(client: FlaskClient, tokens: Tokens, role: str) -> None:
    assert score(client, tokens, {"body": "hello"}, role).status_code == 200


@pytest.mark.parametrize(
    "payload",
    [{}, {"body": "a", "bodies": ["b"]}, {"bodies": []}, {"bodies": ["x"] * 101}, {"body": "y" * 1501}, {"body": " "}],
)
def test_bad_score_requests_are_422(client: FlaskClient, tokens: Tokens, payload: Any) -> None:
    response = score(client, tokens, payload)
    assert response.status_code == 422 and response.get_json()["error"]["fields"]


def test_scoring_stores_nothing(app: Flask, client: FlaskClient, tokens: Tokens) -> None:
    from service.extensions import db
    from service.records import Comment

    score(client, tokens, {"bodies": ["one", "two"]})
    with app.app_context():
        assert db.session.scalar(select(func.count(Comment.id))) == 0


def test_the_openapi_document_names_every_category_a_score_may_carry(client: FlaskClient) -> None:
    from service.reasons import CATEGORIES

    spec = client.get("/api/v1/openapi.json").get_json()
    schemas = spec["components"]["schemas"]
    named = schemas["CategoryScores"]["properties"]
    assert set(named) == set(CATEGORIES) and all(named[c]["description"] for c in CATEGORIES)
    for holder in ("ScoreOut", "QueueItem"):
        (ref,) = schemas[holder]["properties"]["categories"]["allOf"]
        assert ref == {"$ref": "#/components/schemas/CategoryScores"}
