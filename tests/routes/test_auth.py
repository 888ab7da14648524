"""Every protected endpoint: 401 without a valid token, 403 with the wrong role (the whole matrix)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

ROLES = ["admin", "moderator", "integration"]


def protected_endpoints(app: Flask) -> list[tuple[str, str, frozenset[str]]]:
    """(method, url, roles allowed) for every route whose view requires a role, read from the app itself."""
    endpoints = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        allowed = getattr(view, "required_roles", None)
        if allowed is None:
            continue
        url = re.sub(r"<(?:int:)?(\w+)>", lambda m: "999999" if "id" in m.group(1) else "x", rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            endpoints.append((method, url, frozenset(str(role) for role in allowed)))
    return endpoints


def call(client: FlaskClient, method: str, url: str, headers: dict[str, str] | None = None) -> Any:
    return client.open(url, method=method, json={}, headers=headers or {})


def test_the_matrix_covers_the_protected_api(app: Flask) -> None:
    urls = {url for _, url, _ in protected_endpoints(app)}
    assert {"/api/v1/policy", "/api/v1/queue", "/api/v1/score", "/api/v1/audit", "/api/v1/tokens"} <= urls


def test_no_token_or_a_bad_token_is_401_everywhere(app: Flask, client: FlaskClient) -> None:
    for method, url, _ in protected_endpoints(app):
        for headers in ({}, {"Authorization": "Bearer mdt_not-a-real-token"}, {"Authorization": "Basic abc"}):
            response = call(client, method, url, headers)
            assert response.status_code == 401, (method, url, headers)
            assert response.get_json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize("role", ROLES)
def test_each_role_is_refused_exactly_where_it_lacks_the_grant(
    app: Flask, client: FlaskClient, tokens: dict[str, dict[str, str]], role: str
) -> None:
    for method, url, allowed in protected_endpoints(app):
        status = call(client, method, url, tokens[role]).status_code
        if role in allowed:
            assert status not in (401, 403), (role, method, url, status)
        else:
            assert status == 403, (role, method, url, status)


def test_revoked_token_is_refused_at_once(client: FlaskClient, tokens: dict[str, dict[str, str]]) -> None:
    listed = client.get("/api/v1/tokens", headers=tokens["admin"]).get_json()["items"]
    moderator = next(t for t in listed if t["name"] == "moderator")
    assert "token" not in moderator and "token_hash" not in moderator
    assert client.get("/api/v1/queue", headers=tokens["moderator"]).status_code == 200
    assert client.delete(f"/api/v1/tokens/{moderator['id']}", headers=tokens["admin"]).status_code == 200
    assert client.get("/api/v1/queue", headers=tokens["moderator"]).status_code == 401


def test_created_token_secret_is_shown_once_and_works(client: FlaskClient, tokens: dict[str, dict[str, str]]) -> None:
    created = client.post("/api/v1/tokens", json={"name": "night desk", "role": "moderator"}, headers=tokens["admin"])
    assert created.status_code == 201
    secret = created.get_json()["token"]
    assert client.get("/api/v1/queue", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    listed = client.get("/api/v1/tokens", headers=tokens["admin"]).get_json()["items"]
    assert secret not in str(listed)


def test_only_a_hash_of_the_secret_is_stored(app: Flask, tokens: dict[str, dict[str, str]]) -> None:
    from sqlalchemy import select

    from service.extensions import db
    from service.records import ApiToken

    secret = tokens["admin"]["Authorization"].split()[1]
    with app.app_context():
        stored = [row.token_hash for row in db.session.scalars(select(ApiToken))]
    assert secret not in stored and all(len(h) == 64 for h in stored)
