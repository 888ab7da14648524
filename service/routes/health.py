"""Operations endpoints: liveness, readiness, the OpenAPI document."""

from __future__ import annotations

from flask import Blueprint, current_app
from flask.typing import ResponseReturnValue

from service.web import health
from service.web.context import live_models

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    """The process is up (it says nothing about its dependencies)."""
    return {"status": "ok", "model_version": live_models().model_version}


@bp.get("/readyz")
def readyz() -> ResponseReturnValue:
    """Ready for traffic only when the database answers and a model is loaded."""
    checks = health.readiness(live_models())
    ready = all(value == "ok" for value in checks.values())
    body = {
        "status": "ready" if ready else "unavailable",
        "model_version": live_models().model_version,
        "checks": checks,
    }
    return body, 200 if ready else 503


@bp.get("/api/v1/openapi.json")
def openapi() -> ResponseReturnValue:
    """The OpenAPI 3 document generated from the marshmallow schemas."""
    return current_app.extensions["moderato.openapi"]
