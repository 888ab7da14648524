"""Webhooks against a receiver on 127.0.0.1: signed deliveries from the outbox, a retry after the receiver fails,
a delivery that survives a service restart, the events, and which URLs may be registered."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from service import webhooks
from service.extensions import db
from service.records import WebhookDelivery, utcnow
from tests.conftest import good_comment, run_cli, set_policy
from tests.pages.helpers import bearer_secret, sign_in

Tokens = dict[str, dict[str, str]]
SECRET = "receiver-shared-secret-0123456789"


def verify(secret: str, header: str, body: bytes, now: int, tolerance: int = 300) -> bool:
    """The README's verification snippet: the receiver checks the signature and the timestamp's age."""
    parts = dict(item.split("=", 1) for item in header.split(","))
    timestamp = int(parts["t"])
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return abs(now - timestamp) <= tolerance and hmac.compare_digest(expected, parts["v1"])


@dataclass
class Receiver:
    """A real HTTP server on 127.0.0.1 that records what it receives and answers 500 `failures` times first."""

    failures: int = 0
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/moderato"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the http.server API
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.received.append((dict(self.headers), body))
            status = 500 if state.failures > 0 else 204
            state.failures -= 1
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def _register(client: FlaskClient, tokens: Tokens, url: str, events: list[str]) -> Any:
    return client.post(
        "/api/v1/webhooks", json={"url": url, "secret": SECRET, "events": events}, headers=tokens["admin"]
    )


def _deliver(app: Flask, **kwargs: Any) -> webhooks.DeliveryRun:
    with app.app_context():
        run = webhooks.deliver_due(**kwargs)
        db.session.remove()
    return run


def _deliveries(app: Flask) -> list[tuple[str, str, int]]:
    with app.app_context():
        rows = db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)).all()
        db.session.remove()
    return [(row.event, row.state, row.attempts) for row in rows]


def test_a_published_comment_is_delivered_signed_to_a_subscribed_receiver(
    app: Flask, client: FlaskClient, tokens: Tokens, receiver: Receiver
) -> None:
    set_policy(client, tokens, publish_below=1.0, reject_at=1.0)
    registered = _register(client, tokens, receiver.url, ["comment.published"])
    assert registered.status_code == 201, registered.get_json()
    assert "secret" not in registered.get_json()
    posted = client.post("/api/v1/comments", json=good_comment()).get_json()
    assert _deliveries(app) == [("comment.published", "pending", 0)]  # written with the comment, not yet sent

    assert run_cli(app, "webhooks", "deliver").output.strip() == "delivered=1 retrying=0 failed=0"
    ((headers, body),) = receiver.received
    assert verify(SECRET, headers["X-Moderato-Signature"], body, now=int(utcnow().timestamp()))
    assert not verify("another-secret-entirely", headers["X-Moderato-Signature"], body, now=int(utcnow().timestamp()))
    event = json.loads(body)
    assert (event["event"], event["comment"]["id"], event["comment"]["status"]) == (
        "comment.published",
        posted["id"],
        "published",
    )
    assert "author_email" not in event["comment"] and "ada@example.org" not in body.decode()
    assert headers["X-Moderato-Event"] == "comment.published"
    listed = client.get("/api/v1/webhooks", headers=tokens["admin"]).get_json()["items"]
    assert [(item["last_status"], item["pending"], item["failed"]) for item in listed] == [("204", 0, 0)]
    # Nothing is sent twice.
    assert _deliver(app) == webhooks.DeliveryRun()


def test_a_failed_delivery_is_retried_with_backoff(
    app: Flask, client: FlaskClient, tokens: Tokens, receiver: Receiver
) -> None:
    set_policy(client, tokens, publish_below=1.0, reject_at=1.0)
    _register(client, tokens, receiver.url, ["comment.published"])
    client.post("/api/v1/comments", json=good_comment())
    receiver.failures = 1
    assert _deliver(app) == webhooks.DeliveryRun(retrying=1)
    assert _deliveries(app) == [("comment.published", "pending", 1)]
    assert client.get("/api/v1/webhooks", headers=tokens["admin"]).get_json()["items"][0]["last_status"] == "500"
    # Not due yet: the first retry waits 30 seconds.
    assert _deliver(app) == webhooks.DeliveryRun()
    assert _deliver(app, now=utcnow() + timedelta(seconds=31)) == webhooks.DeliveryRun(delivered=1)
    assert _deliveries(app) == [("comment.published", "delivered", 2)]
    first, second = (json.loads(body) for _, body in receiver.received)
    assert first == second  # the same event, with the same id for the receiver to de-duplicate


def test_a_delivery_survives_a_service_restart(
    make_app: Any, tokens: Tokens, app: Flask, client: FlaskClient, receiver: Receiver
) -> None:
    set_policy(client, tokens, publish_below=1.0, reject_at=1.0)
    _register(client, tokens, receiver.url, ["comment.published"])
    client.post("/api/v1/comments", json=good_comment())
    # The service stops before delivering: its app, connections and memory go away.
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    restarted: Flask = make_app({})
    assert _deliver(restarted) == webhooks.DeliveryRun(delivered=1)
    assert len(receiver.received) == 1


def test_moderator_decisions_and_reports_are_events(
    app: Flask, client: FlaskClient, tokens: Tokens, receiver: Receiver
) -> None:
    set_policy(client, tokens, publish_below=0.0, reject_at=1.0, report_threshold=5)
    _register(client, tokens, receiver.url, ["comment.decided", "comment.published", "comment.reported"])
    held = client.post("/api/v1/comments", json=good_comment()).get_json()
    assert _deliveries(app) == []  # held: nothing published, nobody decided yet
    client.post(f"/api/v1/comments/{held['id']}/decision", json={"action": "approve"}, headers=tokens["moderator"])
    client.post(f"/api/v1/comments/{held['id']}/reports", json={"reason": "spam"})
    _deliver(app)
    events = [json.loads(body) for _, body in receiver.received]
    assert [(e["event"], e["comment"]["status"]) for e in events] == [
        ("comment.decided", "published"),
        ("comment.published", "published"),
        ("comment.reported", "published"),
    ]
    assert events[0]["decided_by"].startswith("moderator") and events[2]["reason"] == "spam"


def test_an_undone_decision_tells_the_site_the_comment_is_waiting_again(
    app: Flask, client: FlaskClient, tokens: Tokens, receiver: Receiver
) -> None:
    set_policy(client, tokens, publish_below=0.0, reject_at=1.0)
    _register(client, tokens, receiver.url, ["comment.decided"])
    held = client.post("/api/v1/comments", json=good_comment()).get_json()
    client.post(f"/api/v1/comments/{held['id']}/decision", json={"action": "approve"}, headers=tokens["moderator"])
    assert client.post(f"/api/v1/comments/{held['id']}/undo", headers=tokens["admin"]).status_code == 200
    _deliver(app)
    events = [json.loads(body) for _, body in receiver.received]
    assert [(e["comment"]["status"], e.get("undone", False)) for e in events] == [
        ("published", False),
        ("pending", True),
    ]
    assert events[1]["decided_by"].startswith("admin")


@pytest.mark.parametrize(
    "url",
    [
        "ftp://127.0.0.1/hooks",
        "javascript:alert(1)",
        "http:///no-host",
        "http://localhost/hooks",
        "http://LOCALHOST:80/x",
    ],
)
def test_only_http_urls_and_never_the_service_itself(client: FlaskClient, tokens: Tokens, url: str) -> None:
    # The test client calls the service as http://localhost.
    response = _register(client, tokens, url, ["comment.published"])
    assert response.status_code == 422 and "url" in response.get_json()["error"]["fields"]


def test_webhooks_are_for_admins_and_removal_stops_deliveries(
    app: Flask, client: FlaskClient, tokens: Tokens, receiver: Receiver
) -> None:
    assert (
        _register(client, tokens | {"admin": tokens["moderator"]}, receiver.url, ["comment.published"]).status_code
        == 403
    )
    endpoint = _register(client, tokens, receiver.url, ["comment.published"]).get_json()
    assert client.delete(f"/api/v1/webhooks/{endpoint['id']}", headers=tokens["admin"]).status_code == 200
    set_policy(client, tokens, publish_below=1.0, reject_at=1.0)
    client.post("/api/v1/comments", json=good_comment())
    assert _deliveries(app) == [] and client.get("/api/v1/webhooks", headers=tokens["admin"]).get_json()["items"] == []


def test_the_admin_page_shows_each_endpoints_last_status(
    app: Flask, client: FlaskClient, tokens: Tokens, receiver: Receiver
) -> None:
    set_policy(client, tokens, publish_below=1.0, reject_at=1.0)
    _register(client, tokens, receiver.url, ["comment.published"])
    client.post("/api/v1/comments", json=good_comment())
    receiver.failures = 1
    _deliver(app)
    sign_in(client, bearer_secret(tokens["admin"]), "/admin")
    html = client.get("/admin").get_data(as_text=True)
    section = html.split("data-webhooks", 1)[1]
    assert receiver.url in section and "<td data-last-status>500</td>" in section


def test_an_edit_that_withdraws_a_published_comment_tells_the_site(
    app: Flask, client: FlaskClient, tokens: Tokens, receiver: Receiver
) -> None:
    set_policy(client, tokens, publish_below=1.0, reject_at=1.0, suspect_terms=["lawsuit"])
    _register(client, tokens, receiver.url, ["comment.decided", "comment.published"])
    posted = client.post("/api/v1/comments", json=good_comment()).get_json()
    client.post(
        f"/api/v1/comments/{posted['id']}/edit",
        json={"edit_token": posted["edit_token"], "body": "The council deserves a lawsuit for this."},
    )
    _deliver(app)
    events = [json.loads(body) for _, body in receiver.received]
    assert [(e["event"], e["comment"]["status"], e.get("withdrawn")) for e in events] == [
        ("comment.published", "published", None),
        ("comment.decided", "pending", True),
    ]
    assert events[1]["decided_by"] == "system" and events[1]["comment"]["reasons"] == ["suspect_term"]
