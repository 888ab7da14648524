"""Rate limits on public endpoints: per network and per e-mail, 429 with Retry-After, Redis or memory storage."""

from __future__ import annotations

import os
import uuid
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from service.extensions import db
from service.networks import keyed_hash, network_of
from service.records import Comment
from tests.conftest import good_comment

REDIS_URL = os.environ.get("MODERATO_TEST_REDIS_URL", "")
STORAGES = ["memory"] + (["redis"] if REDIS_URL else [])


def _limited_app(make_app: Any, storage: str, **limits: str) -> Flask:
    settings: dict[str, Any] = {
        "enabled": True,
        "comments_per_network": "3 per minute",
        "comments_per_email": "100 per minute",
        **limits,
    }
    app: Flask = make_app({"rate_limits": settings, "redis": {"url": REDIS_URL if storage == "redis" else ""}})
    return app


def _unique_network() -> str:
    # A fresh /24 per test, so counters left in a shared Redis by earlier runs never interfere.
    value = uuid.uuid4().int
    return f"10.{value % 250}.{(value >> 8) % 250}.7"


def _post(client: FlaskClient, address: str, **changes: Any) -> Any:
    return client.post("/api/v1/comments", json=good_comment(**changes), environ_base={"REMOTE_ADDR": address})


@pytest.mark.parametrize("storage", STORAGES)
def test_a_network_over_its_limit_gets_429_with_retry_after(make_app: Any, storage: str) -> None:
    client = _limited_app(make_app, storage).test_client()
    address = _unique_network()
    neighbour = address.rsplit(".", 1)[0] + ".200"
    emails = [f"reader{i}-{uuid.uuid4().hex[:6]}@example.org" for i in range(4)]
    for email in emails[:3]:
        assert _post(client, address, author_email=email).status_code == 201
    # Same /24: one household or office counts as one client.
    refused = _post(client, neighbour, author_email=emails[3])
    assert refused.status_code == 429
    assert refused.get_json()["error"]["code"] == "too_many_requests"
    assert set(refused.get_json()["error"]) == {"code", "message", "fields"}
    assert int(refused.headers["Retry-After"]) >= 1
    # Another network is not affected.
    assert _post(client, _unique_network(), author_email=emails[3]).status_code == 201


@pytest.mark.parametrize("storage", STORAGES)
def test_one_address_over_its_limit_gets_429_from_any_network(make_app: Any, storage: str) -> None:
    client = _limited_app(make_app, storage, comments_per_network="100 per minute", comments_per_email="2 per minute")
    client = client.test_client()
    email = f"Flood-{uuid.uuid4().hex[:8]}@example.org"
    assert _post(client, _unique_network(), author_email=email).status_code == 201
    assert _post(client, _unique_network(), author_email=email.lower()).status_code == 201
    assert _post(client, _unique_network(), author_email=email).status_code == 429


def test_ipv6_clients_are_grouped_by_48(make_app: Any) -> None:
    client = _limited_app(make_app, "memory", comments_per_network="1 per minute").test_client()
    prefix = f"2001:db8:{uuid.uuid4().int % 65000:x}"
    assert _post(client, f"{prefix}:1::1", author_email="a@example.org").status_code == 201
    assert _post(client, f"{prefix}:ffff::2", author_email="b@example.org").status_code == 429


def test_reports_and_reads_are_limited_per_network(make_app: Any) -> None:
    client = _limited_app(
        make_app, "memory", reports_per_network="1 per minute", reads_per_network="2 per minute"
    ).test_client()
    address = _unique_network()
    reads = [
        client.get("/api/v1/articles/a1/comments", environ_base={"REMOTE_ADDR": address}).status_code for _ in range(3)
    ]
    assert reads == [200, 200, 429]
    reports = [
        client.post(
            "/api/v1/comments/999999/reports", json={"reason": "spam"}, environ_base={"REMOTE_ADDR": address}
        ).status_code
        for _ in range(2)
    ]
    assert reports == [404, 429]


def test_limits_switched_off_by_setting(make_app: Any) -> None:
    client = _limited_app(make_app, "memory", enabled=False, comments_per_network="1 per minute").test_client()
    address = _unique_network()
    statuses = {_post(client, address, author_email=f"r{i}@example.org").status_code for i in range(3)}
    assert statuses == {201}


def test_limits_switched_off_by_environment() -> None:
    from service.settings import load_settings

    assert load_settings(environ={"MODERATO_RATE_LIMITS_ENABLED": "false"})["rate_limits"]["enabled"] is False
    assert load_settings(environ={})["rate_limits"]["enabled"] is True


def _tokens(app: Flask) -> dict[str, dict[str, str]]:
    from service import auth

    headers = {}
    with app.app_context():
        for role in (auth.Role.INTEGRATION, auth.Role.MODERATOR):
            issued = auth.create_token(str(role), role, actor="test")
            headers[str(role)] = {"Authorization": f"Bearer {issued.secret}"}
        db.session.remove()
    return headers


def test_integration_token_client_ip_drives_limits_and_hash(
    make_app: Any,
) -> None:
    app = _limited_app(make_app, "memory", comments_per_network="2 per minute")
    headers = _tokens(app)
    client = app.test_client()
    backend = _unique_network()
    reader_a, reader_b = _unique_network(), _unique_network()
    posts = [
        client.post(
            "/api/v1/comments",
            json=good_comment(author_email=f"r{i}@example.org", client_ip=reader),
            headers=headers["integration"],
            environ_base={"REMOTE_ADDR": backend},
        )
        for i, reader in enumerate([reader_a, reader_a, reader_a, reader_b])
    ]
    # The limit applies to the reader's address, not to the site backend that relays every reader.
    assert [p.status_code for p in posts] == [201, 201, 429, 201]
    with app.app_context():
        stored = db.session.get(Comment, posts[0].get_json()["id"])
        assert stored is not None
        assert stored.ip_hash == keyed_hash("test-secret", "ip", network_of(reader_a))
        assert reader_a not in str(stored.ip_hash)


def test_client_ip_without_an_integration_token_is_ignored(make_app: Any) -> None:
    app = _limited_app(make_app, "memory")
    headers = _tokens(app)
    client = app.test_client()
    peer, claimed = _unique_network(), _unique_network()
    anonymous = _post(client, peer, client_ip=claimed)
    moderator = client.post(
        "/api/v1/comments",
        json=good_comment(author_email="m@example.org", client_ip=claimed),
        headers=headers["moderator"],
        environ_base={"REMOTE_ADDR": peer},
    )
    assert (anonymous.status_code, moderator.status_code) == (201, 201)
    with app.app_context():
        for response in (anonymous, moderator):
            stored = db.session.get(Comment, response.get_json()["id"])
            assert stored is not None and stored.ip_hash == keyed_hash("test-secret", "ip", network_of(peer))


def test_a_malformed_client_ip_is_a_field_error(client: FlaskClient) -> None:
    response = client.post("/api/v1/comments", json=good_comment(client_ip="not-an-ip"))
    assert response.status_code == 422
    assert "client_ip" in response.get_json()["error"]["fields"]


def test_proxy_hops_take_the_client_from_x_forwarded_for(make_app: Any) -> None:
    app = make_app({"web": {"proxy_hops": 1}})
    client = app.test_client()
    reader = _unique_network()
    response = client.post(
        "/api/v1/comments",
        json=good_comment(),
        headers={"X-Forwarded-For": reader},
        environ_base={"REMOTE_ADDR": "192.0.2.10"},
    )
    assert response.status_code == 201
    with app.app_context():
        stored = db.session.get(Comment, response.get_json()["id"])
        assert stored is not None and stored.ip_hash == keyed_hash("test-secret", "ip", network_of(reader))


def test_the_no_javascript_form_shares_the_comment_limits(make_app: Any) -> None:
    from tests.pages.test_article import _form

    client = _limited_app(make_app, "memory").test_client()
    address = _unique_network()
    statuses = [
        client.post("/demo/article", data=_form(client), environ_base={"REMOTE_ADDR": address}).status_code
        for _ in range(4)
    ]
    assert all(status != 429 for status in statuses[:3]) and statuses[3] == 429
