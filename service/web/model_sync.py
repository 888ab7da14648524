"""Keep every worker's loaded models in step with the registry, checked at most every few seconds per worker."""

from __future__ import annotations

import logging
import time

from flask import Flask
from sqlalchemy.exc import SQLAlchemyError

from service import registry
from service.extensions import db
from service.live_models import LiveModels
from service.settings import resolve_path

logger = logging.getLogger(__name__)


def sync_live_models(engine: LiveModels, background: bool = True) -> None:
    """Load whatever the registry says is active and shadow (a no-op when this worker already serves them)."""
    active, shadow = registry.desired_versions()
    engine.sync(
        (active.version, resolve_path(active.path)) if active else None,
        (shadow.version, resolve_path(shadow.path)) if shadow else None,
        background=background,
    )


def register_model_sync(app: Flask, interval_seconds: float) -> None:
    """Before a request, if `interval_seconds` passed since this worker last looked, check the registry."""
    state = {"checked_at": 0.0}

    @app.before_request
    def _follow_registry() -> None:
        now = time.monotonic()
        if now - state["checked_at"] < interval_seconds:
            return
        state["checked_at"] = now
        try:
            sync_live_models(app.extensions["moderato.live_models"])
        except SQLAlchemyError as exc:
            # A database hiccup must not fail the request; the next check retries.
            logger.warning("model registry check failed error=%s", type(exc).__name__)
            db.session.rollback()
