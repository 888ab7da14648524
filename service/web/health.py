"""Readiness checks: the database answers and the classifier is loaded."""

from __future__ import annotations

import logging

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from service.extensions import db
from service.live_models import LiveModels

logger = logging.getLogger(__name__)


def readiness(engine: LiveModels) -> dict[str, str]:
    """Each dependency's state: "ok" or a short reason."""
    checks = {"model": "ok" if engine.active is not None else "not loaded (fail-safe: every comment is queued)"}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except SQLAlchemyError as exc:
        logger.warning("readiness database check failed error=%s", type(exc).__name__)
        db.session.rollback()
        checks["database"] = "unreachable"
    return checks
