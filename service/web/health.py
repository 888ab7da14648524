"""Readiness checks: the database answers and takes writes, and the classifier is loaded."""

from __future__ import annotations

import logging
import os
import sqlite3

from sqlalchemy import Connection, text
from sqlalchemy.exc import SQLAlchemyError

from service.extensions import db
from service.live_models import LiveModels
from service.web import sqlite_guard

logger = logging.getLogger(__name__)


def write_probe(connection: Connection) -> bool:
    """Whether this database would take a write now; writes nothing.

    SQLite: take the write lock and change the header's user_version to its own value, then roll back (BEGIN
    IMMEDIATE alone succeeds on a read-only file). PostgreSQL: the session is not read-only (a standby, or a
    database set default_transaction_read_only).
    """
    if connection.dialect.name == "sqlite":
        raw = connection.connection.dbapi_connection
        assert raw is not None
        raw.commit()  # end the implicit transaction the driver may hold, so BEGIN is ours
        version = int(raw.execute("PRAGMA user_version").fetchone()[0])
        raw.execute("BEGIN IMMEDIATE")
        try:
            raw.execute(f"PRAGMA user_version = {version}")
        finally:
            raw.execute("ROLLBACK")
        return True
    return bool(connection.execute(text("SHOW transaction_read_only")).scalar_one() == "off")


def readiness(engine: LiveModels) -> dict[str, str]:
    """Each dependency's state: "ok" or a short reason."""
    checks = {"model": "ok" if engine.active is not None else "not loaded (fail-safe: every comment is queued)"}
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            try:
                checks["database"] = "ok" if write_probe(connection) else "read-only"
            except sqlite3.Error as exc:
                # Raised on the raw connection, so SQLAlchemy did not see it: drop this worker's connections here,
                # as service.web.sqlite_guard does for a failed write, so the next one opens the file afresh.
                logger.warning("readiness write probe failed error=%s", str(exc)[:80])
                connection.invalidate()
                sqlite_guard.close_all_after_request()
                path = db.engine.url.database
                if path and os.access(path, os.W_OK):
                    sqlite_guard.restart_worker_after_request()
                checks["database"] = "not writable"
    except SQLAlchemyError as exc:
        logger.warning("readiness database check failed error=%s", type(exc).__name__)
        checks["database"] = "unreachable"
    return checks
