"""Out-of-range numbers and pathological JSON are the client's error (4xx), on SQLite and PostgreSQL alike."""

from __future__ import annotations

import io
import json

import pytest
from flask.testing import FlaskClient

from tests.conftest import good_comment

BEYOND_INT64 = 2**63
BEYOND_INT32 = 148354386414  # what the fuzzer sent: fits int64, not PostgreSQL's integer

COMMENT_ID_PATHS = [
    ("get", "/api/v1/comments/{id}"),
    ("post", "/api/v1/comments/{id}/reports"),
    ("post", "/api/v1/comments/{id}/decision"),
    ("post", "/api/v1/comments/{id}/undo"),
    ("post", "/api/v1/comments/{id}/notes"),
    ("get", "/api/v1/comments/{id}/history"),
    ("delete", "/api/v1/tokens/{id}"),
]


@pytest.mark.parametrize("number", [BEYOND_INT32, BEYOND_INT64, 10**40])
@pytest.mark.parametrize(("method", "path"), COMMENT_ID_PATHS)
def test_an_id_beyond_the_columns_range_in_a_path_is_404(
    client: FlaskClient, tokens: dict[str, dict[str, str]], method: str, path: str, number: int
) -> None:
    body = {"action": "approve"} if path.endswith("decision") else {"text": "x", "reason": "spam"}
    response = client.open(path.format(id=number), method=method.upper(), json=body, headers=tokens["admin"])
    assert response.status_code == 404, response.get_json()
    assert response.get_json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("number", [BEYOND_INT32, BEYOND_INT64])
def test_an_id_beyond_the_range_in_a_body_or_query_is_a_field_error(
    client: FlaskClient, tokens: dict[str, dict[str, str]], number: int
) -> None:
    response = client.post("/api/v1/comments", json=good_comment(parent_id=number))
    assert response.status_code == 422
    assert "parent_id" in response.get_json()["error"]["fields"]

    response = client.post(
        "/api/v1/queue/bulk-decision", json={"action": "approve", "ids": [1, number]}, headers=tokens["moderator"]
    )
    assert response.status_code == 422
    assert "ids" in response.get_json()["error"]["fields"]

    for name in ("comment_id",):
        response = client.get(f"/api/v1/audit?{name}={number}", headers=tokens["admin"])
        assert response.status_code == 422
        assert name in response.get_json()["error"]["fields"]
    for name in ("offset", "min_age_seconds", "max_age_seconds"):
        response = client.get(f"/api/v1/queue?{name}={number}", headers=tokens["moderator"])
        assert response.status_code == 422, name
        assert name in response.get_json()["error"]["fields"]


def test_cursors_naming_ids_beyond_the_range_are_refused_or_mean_everything(
    client: FlaskClient, tokens: dict[str, dict[str, str]]
) -> None:
    # An article cursor is (microseconds, id): an id past every id means "after everything at that moment".
    assert client.get("/api/v1/articles/a/comments?cursor=1767225600000000.9999999999").status_code == 200
    response = client.get(f"/api/v1/articles/a/comments?cursor=1767225600000000.{BEYOND_INT64}")
    assert response.status_code == 422
    assert "cursor" in response.get_json()["error"]["fields"]
    # The audit cursor means "older than this id": one beyond every id is the whole log.
    assert (
        client.post("/api/v1/tokens", json={"name": "t", "role": "moderator"}, headers=tokens["admin"]).status_code
        == 201
    )
    response = client.get("/api/v1/audit?cursor=9999999999", headers=tokens["admin"])
    assert response.status_code == 200
    assert response.get_json()["items"]
    assert client.get("/api/v1/audit?cursor=99999999999", headers=tokens["admin"]).status_code == 422


@pytest.mark.parametrize("opener", ["[", '{"a":'])
def test_json_nested_beyond_the_parsers_depth_is_400(
    client: FlaskClient, tokens: dict[str, dict[str, str]], opener: str
) -> None:
    body = opener * (60_000 // len(opener))  # within the 64 KiB limit, far beyond the parser's recursion limit
    for path, headers in [("/api/v1/comments", {}), ("/api/v1/score", tokens["admin"])]:
        response = client.post(path, data=body, content_type="application/json", headers=headers)
        assert response.status_code == 400, response.get_json()
        assert response.get_json()["error"]["code"] == "bad_request"


def _chunked(client: FlaskClient, body: bytes) -> tuple[int, str]:
    # What gunicorn hands over for `Transfer-Encoding: chunked`: no Content-Length, a stream it terminates itself.
    response = client.post(
        "/api/v1/comments",
        input_stream=io.BytesIO(body),
        content_type="application/json",
        environ_overrides={"wsgi.input_terminated": True},
    )
    return response.status_code, response.get_json()["error"]["code"] if response.status_code >= 400 else ""


def test_an_oversized_chunked_body_is_413_like_one_with_a_length(client: FlaskClient) -> None:
    limit = client.application.config["MAX_CONTENT_LENGTH"]
    oversized = json.dumps(good_comment(body="a" * limit)).encode()
    assert client.post("/api/v1/comments", data=oversized, content_type="application/json").status_code == 413
    assert _chunked(client, oversized) == (413, "request_entity_too_large")
    # Right at the limit it is read whole (a field error about the long body, not a cut-off JSON 400).
    padding = limit - len(json.dumps(good_comment(body="")).encode())
    at_limit = json.dumps(good_comment(body="a" * padding)).encode()
    assert len(at_limit) == limit
    assert _chunked(client, at_limit) == (422, "validation_error")
    assert _chunked(client, json.dumps(good_comment()).encode())[0] == 201
