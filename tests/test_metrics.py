"""Prometheus /metrics: latency per route, comment outcomes and reasons, queue state, model and scoring."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient

from tests.conftest import good_comment


def _value(text: str, name: str, **labels: str) -> float:
    for line in text.splitlines():
        if line.startswith("#") or not line.startswith(name):
            continue
        metric, _, value = line.rpartition(" ")
        if metric.split("{")[0] != name:
            continue
        if all(f'{key}="{val}"' in metric for key, val in labels.items()):
            return float(value)
    raise AssertionError(f"{name} {labels} not in metrics")


def test_metrics_expose_requests_outcomes_queue_and_model(client: FlaskClient) -> None:
    before = client.get("/metrics").get_data(as_text=True)
    published_before = (
        _value(before, "moderato_comments_total", status="published") if 'status="published"' in before else 0
    )
    client.post("/api/v1/comments", json=good_comment(article_id="metrics-1"))
    client.post(
        "/api/v1/comments",
        json=good_comment(article_id="metrics-1", author_email="bot@example.org", website="http://spam.example"),
    )
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    text = response.get_data(as_text=True)
    # Latency by endpoint name, never by raw path.
    assert _value(text, "moderato_request_duration_seconds_count", endpoint="comments.create_comment") >= 2
    assert "/api/v1/comments" not in text
    assert _value(text, "moderato_comments_total", status="pending") >= 1
    assert _value(text, "moderato_comment_reasons_total", status="pending", reason="honeypot") >= 1
    assert _value(text, "moderato_comments_total", status="published") >= published_before
    assert _value(text, "moderato_queue_depth") >= 1
    assert _value(text, "moderato_queue_oldest_age_seconds") >= 0
    assert _value(text, "moderato_model_info", version="2026-01-01.1") == 1
    assert _value(text, "moderato_model_loaded") == 1
    assert _value(text, "moderato_database_up") == 1
    assert _value(text, "moderato_scoring_duration_seconds_count") >= 1
    assert re.search(r"^moderato_unscored_comments_total \d", text, re.M)


def test_unscored_comments_are_counted_in_fail_safe_mode(make_app: Any, tmp_path: Any) -> None:
    app = make_app({"model": {"path": str(tmp_path / "missing"), "fail_safe": True}})
    client = app.test_client()
    before = _value(client.get("/metrics").get_data(as_text=True), "moderato_unscored_comments_total")
    assert client.post("/api/v1/comments", json=good_comment()).get_json()["status"] == "pending"
    text = client.get("/metrics").get_data(as_text=True)
    assert _value(text, "moderato_unscored_comments_total") == before + 1
    assert _value(text, "moderato_fail_safe") == 1
    assert _value(text, "moderato_model_info", version="none") == 1
