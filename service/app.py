"""create_app(): config, logging, extensions, blueprints, error handlers, classifier — in that order."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask
from sqlalchemy import event
from werkzeug.middleware.proxy_fix import ProxyFix

from service import schema_check
from service.extensions import db, migrate
from service.live_models import LiveModels
from service.routes import blueprints
from service.settings import database_url, load_settings, resolve_path, secret_key
from service.web import inputs, limits, metrics, security, sqlite_guard
from service.web.errors import register_error_handlers
from service.web.logs import configure_logging, register_request_ids
from service.web.model_sync import register_model_sync, sync_live_models
from service.web.openapi import api_document

MAX_REQUEST_BYTES = 64 * 1024


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    """WAL lets readers run beside the one writer; synchronous=FULL keeps every acknowledged commit on disk."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


def _engine_options(url: str, settings: Mapping[str, Any]) -> dict[str, Any]:
    if url.startswith("sqlite"):
        # Wait for a busy writer instead of failing at once; SQLite serialises writes.
        return {"connect_args": {"timeout": 15}}
    database = settings["database"]
    return {
        "pool_size": database["pool_size"],
        "max_overflow": database["max_overflow"],
        "pool_timeout": database["pool_timeout"],
        "pool_recycle": database["pool_recycle"],
        # No pool_pre_ping: its extra round trip on every checkout was a noticeable share of a post (bench/NOTES.md).
        # A connection that a database restart killed fails its request with a 503 instead; SQLAlchemy
        # then discards every connection of the pool opened before the failure, so recovery needs no restart and
        # costs at most one 503 per worker (tests/test_faults.py).
    }


def create_app(overrides: Mapping[str, Any] | None = None, *, check_schema: bool = True) -> Flask:
    """Build the WSGI app. `overrides` (nested like default.toml) wins over files and environment (tests use it)."""
    settings = load_settings(overrides)
    configure_logging(settings["logging"]["level"])
    app = Flask(__name__)
    url = database_url(settings)
    app.config.update(
        MODERATO=settings,
        SECRET_KEY=secret_key(settings),
        SQLALCHEMY_DATABASE_URI=url,
        SQLALCHEMY_ENGINE_OPTIONS=_engine_options(url, settings),
        MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES,
        JSON_SORT_KEYS=False,
    )
    db.init_app(app)
    migrate.init_app(app, db)
    if url.startswith("sqlite"):
        with app.app_context():
            event.listen(db.engine, "connect", _sqlite_pragmas)
            if db.engine.url.database and db.engine.url.database != ":memory:":
                sqlite_guard.install(app, db.engine, db.engine.url.database)
    metrics.init_metrics(app)
    register_request_ids(app)
    security.init_security(app, settings)
    inputs.init_inputs(app)
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    register_error_handlers(app)
    limits.init_limits(app, settings)
    if settings["web"]["proxy_hops"]:
        # Behind a load balancer the peer is the balancer: take the client from its X-Forwarded-For entries.
        hops = settings["web"]["proxy_hops"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    app.extensions["moderato.openapi"] = api_document()
    app.extensions["moderato.live_models"] = LiveModels.load(
        resolve_path(settings["model"]["path"]), settings["model"]["fail_safe"]
    )
    app.extensions["moderato.live_models"].observers.append(metrics.observe_scoring)
    register_model_sync(app, settings["model"]["refresh_seconds"])
    if check_schema:
        with app.app_context():
            schema_check.require_current_schema()
            # After a promotion and a restart, serve the registry's active model rather than the configured one.
            sync_live_models(app.extensions["moderato.live_models"], background=False)
            # Connections opened here must not be shared with forked gunicorn workers: return the session's
            # connection to the pool first, then close them all.
            db.session.remove()
            db.engine.dispose()
    return app
