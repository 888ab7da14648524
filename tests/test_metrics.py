"""Prometheus /metrics: latency per route, comment outcomes and reasons, queue state, model and scoring."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from tests.conftest import good_comment, set_policy


def _samples(text: str, name: str, **labels: str) -> list[float]:
    """Every sample of `name` whose labels include `labels`."""
    found = []
    for line in text.splitlines():
        if line.startswith("#") or not line.startswith(name):
            continue
        metric, _, value = line.rpartition(" ")
        if metric.split("{")[0] != name:
            continue
        if all(f'{key}="{val}"' in metric for key, val in labels.items()):
            found.append(float(value))
    return found


def _value(text: str, name: str, **labels: str) -> float:
    """The one sample of `name` with these labels; absent or ambiguous is a failure."""
    found = _samples(text, name, **labels)
    assert len(found) == 1, f"{name} {labels}: {found}"
    return found[0]


def _total(text: str, name: str, **labels: str) -> float:
    """The sum over the samples with these labels; 0 before a labelled counter's first increment."""
    return sum(_samples(text, name, **labels))


def _metrics(client: FlaskClient) -> str:
    response = client.get("/metrics")
    assert response.status_code == 200
    return str(response.get_data(as_text=True))


def test_metrics_expose_requests_outcomes_queue_and_model(
    client: FlaskClient, tokens: dict[str, dict[str, str]]
) -> None:
    # Counters are per process and other tests post comments too: each one is read before and after.
    set_policy(client, tokens, publish_below=1.0, reject_at=1.0)
    before = _metrics(client)
    published = client.post("/api/v1/comments", json=good_comment(article_id="metrics-1"))
    assert published.status_code == 201 and published.get_json()["status"] == "published"
    honeypot = client.post(
        "/api/v1/comments",
        json=good_comment(
            article_id="metrics-1",
            body="Filled in by a bot that also fills the hidden website field.",
            author_email="bot@example.org",
            website="http://spam.example",
        ),
    )
    assert honeypot.status_code == 201 and honeypot.get_json()["status"] == "pending"
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    text = response.get_data(as_text=True)

    def delta(name: str, **labels: str) -> float:
        return _total(text, name, **labels) - _total(before, name, **labels)

    # Latency by endpoint name, never by raw path.
    assert delta("moderato_request_duration_seconds_count", endpoint="comments.create_comment", status="201") == 2
    assert "/api/v1/comments" not in text
    assert delta("moderato_comments_total", status="published") == 1
    assert delta("moderato_comments_total", status="pending") == 1
    assert delta("moderato_comments_total", status="rejected") == 0
    assert delta("moderato_comment_reasons_total", status="pending", reason="honeypot") == 1
    assert delta("moderato_comment_reasons_total") == 1
    assert delta("moderato_scoring_duration_seconds_count") == 2
    assert delta("moderato_unscored_comments_total") == 0
    assert _value(text, "moderato_queue_depth") == 1
    assert _value(text, "moderato_model_info", version="2026-01-01.1") == 1
    assert _value(text, "moderato_model_loaded") == 1
    assert _value(text, "moderato_fail_safe") == 0
    assert _value(text, "moderato_database_up") == 1


def test_queue_age_is_the_oldest_queued_comment_in_seconds(
    app: Flask, client: FlaskClient, tokens: dict[str, dict[str, str]]
) -> None:
    from service.extensions import db
    from service.records import Comment

    assert _value(_metrics(client), "moderato_queue_oldest_age_seconds") == 0
    set_policy(client, tokens, publish_below=0.0)
    bodies = [f"Queued comment number {n} about the ferry." for n in range(3)]
    ids = [client.post("/api/v1/comments", json=good_comment(body=body)).get_json()["id"] for body in bodies]
    published = client.post("/api/v1/comments", json=good_comment(body="Published a day ago, not queued."))
    with app.app_context():
        now = datetime.now(UTC)
        for comment_id, age in zip(ids, (60, 3600, 600), strict=True):
            db.session.execute(
                update(Comment).where(Comment.id == comment_id).values(created_at=now - timedelta(seconds=age))
            )
        db.session.execute(
            update(Comment)
            .where(Comment.id == published.get_json()["id"])
            .values(status="published", created_at=now - timedelta(days=1))
        )
        db.session.commit()
        db.session.remove()
    text = _metrics(client)
    assert _value(text, "moderato_queue_depth") == 3
    # The oldest of the three (an hour), not the newest or the published one; generous slack for a slow machine.
    assert 3600 <= _value(text, "moderato_queue_oldest_age_seconds") < 3600 + 60


def test_unscored_comments_are_counted_in_fail_safe_mode(make_app: Any, tmp_path: Any) -> None:
    app = make_app({"model": {"path": str(tmp_path / "missing"), "fail_safe": True}})
    client = app.test_client()
    before = _value(client.get("/metrics").get_data(as_text=True), "moderato_unscored_comments_total")
    assert client.post("/api/v1/comments", json=good_comment()).get_json()["status"] == "pending"
    text = client.get("/metrics").get_data(as_text=True)
    assert _value(text, "moderato_unscored_comments_total") == before + 1
    assert _value(text, "moderato_fail_safe") == 1
    assert _value(text, "moderato_model_info", version="none") == 1
