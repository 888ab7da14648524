"""Prometheus metrics: request latency per route, comment outcomes, scoring, and queue state computed at scrape.

Under gunicorn set PROMETHEUS_MULTIPROC_DIR to an empty, writable folder (the gunicorn config clears it at start):
every worker then writes its samples there and /metrics, answered by any worker, adds them all up.
"""

from __future__ import annotations

import logging
import os
import time
from datetime import UTC, datetime

from flask import Blueprint, Flask, g, request
from flask.typing import ResponseReturnValue
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from service.extensions import db
from service.records import Comment, utcnow
from service.status import QUEUED_STATUSES
from service.web.context import live_models

logger = logging.getLogger(__name__)

REQUEST_LATENCY = Histogram(
    "moderato_request_duration_seconds",
    "Time to answer a request, by route (endpoint name), method and status.",
    ["endpoint", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
COMMENTS = Counter("moderato_comments_total", "Comments accepted, by outcome and language.", ["status", "language"])
COMMENT_REASONS = Counter(
    "moderato_comment_reasons_total",
    "Reasons attached to accepted comments, by outcome and reason.",
    ["status", "reason"],
)
SCORING_LATENCY = Histogram(
    "moderato_scoring_duration_seconds",
    "Time the classifier took for one comment.",
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25),
)
UNSCORED = Counter(
    "moderato_unscored_comments_total", "Comments that could not be scored (fail-safe: queued for a person)."
)

bp = Blueprint("metrics", __name__)


def record_submission(status: str, language: str, reason_codes: list[str]) -> None:
    """Count one accepted comment: its outcome, its language and its reasons."""
    COMMENTS.labels(status=status, language=language).inc()
    for code in reason_codes:
        COMMENT_REASONS.labels(status=status, reason=code).inc()


def observe_scoring(seconds: float, scored: bool) -> None:
    """A LiveModels observer: the latency of each scoring call, and every comment that could not be scored."""
    if scored:
        SCORING_LATENCY.observe(seconds)
    else:
        UNSCORED.inc()


def _queue_state(registry: CollectorRegistry) -> None:
    """Gauges computed now, by the worker answering the scrape: queue depth and age, database and model state."""
    depth = Gauge("moderato_queue_depth", "Comments waiting for a moderator.", registry=registry)
    oldest = Gauge("moderato_queue_oldest_age_seconds", "Age of the oldest queued comment.", registry=registry)
    database_up = Gauge("moderato_database_up", "1 when the database answered the scrape.", registry=registry)
    model = Gauge(
        "moderato_model_info", "The classifier version this worker serves (1), or none.", ["version"], registry=registry
    )
    model_loaded = Gauge("moderato_model_loaded", "1 when a classifier is loaded.", registry=registry)
    fail_safe = Gauge("moderato_fail_safe", "1 when fail-safe mode queues every comment.", registry=registry)
    engine = live_models()
    model.labels(version=engine.model_version or "none").set(1)
    model_loaded.set(1 if engine.active is not None else 0)
    fail_safe.set(1 if engine.active is None else 0)
    try:
        count, first = db.session.execute(
            select(func.count(), func.min(Comment.created_at)).where(Comment.status.in_(QUEUED_STATUSES))
        ).one()
    except SQLAlchemyError as exc:
        logger.warning("metrics queue query failed error=%s", type(exc).__name__)
        db.session.rollback()
        database_up.set(0)
        return
    database_up.set(1)
    depth.set(count or 0)
    if isinstance(first, datetime):
        oldest.set(max(0.0, (utcnow() - _aware(first)).total_seconds()))
    else:
        oldest.set(0)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@bp.get("/metrics")
def metrics() -> ResponseReturnValue:
    """Prometheus text exposition: this process's (or, in multiprocess mode, all workers') metrics plus live gauges."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        registry = REGISTRY
    live = CollectorRegistry()
    _queue_state(live)
    return Response(generate_latest(registry) + generate_latest(live), mimetype=CONTENT_TYPE_LATEST)


def init_metrics(app: Flask) -> None:
    """Time every request by its endpoint name (never the raw path, which would explode the label set)."""

    @app.before_request
    def _start_timer() -> None:
        g.moderato_started = time.perf_counter()

    @app.after_request
    def _observe(response: Response) -> Response:
        started = g.get("moderato_started")
        if started is not None:
            REQUEST_LATENCY.labels(
                endpoint=request.endpoint or "unmatched", method=request.method, status=str(response.status_code)
            ).observe(time.perf_counter() - started)
        return response

    app.register_blueprint(bp)
