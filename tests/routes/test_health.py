"""Liveness, readiness and the OpenAPI document."""

from __future__ import annotations

from flask.testing import FlaskClient


def test_healthz_reports_the_model_version(client: FlaskClient) -> None:
    body = client.get("/healthz").get_json()
    assert body["status"] == "ok"
    assert body["model_version"] == "2026-01-01.1"


def test_readyz_checks_database_and_model(client: FlaskClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json()["checks"] == {"model": "ok", "database": "ok"}


def test_openapi_document_is_generated_from_the_schemas(client: FlaskClient) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    post = spec["paths"]["/api/v1/comments"]["post"]
    assert set(post["responses"]) >= {"201", "400", "413", "415", "422"}
    comment_in = spec["components"]["schemas"]["CommentIn"]
    assert comment_in["properties"]["body"]["maxLength"] == 1500
    assert set(comment_in["required"]) == {"article_id", "author_name", "author_email", "body"}


def test_request_id_is_echoed_or_assigned(client: FlaskClient) -> None:
    assert client.get("/healthz", headers={"X-Request-ID": "abc-123"}).headers["X-Request-ID"] == "abc-123"
    assert len(client.get("/healthz").headers["X-Request-ID"]) == 32
