"""SQLite file guards: never create or silently open the file read-only, follow the path, recover by reconnecting.

Three ways a SQLite file can go wrong under a running service, and what each worker does about it:
- The file turns read-only (immutable, read-only mount, permissions). SQLite would open new connections read-only
  without a word, and because SQLite shares one open file per process, every later connection of the worker stays
  read-only even after the file is writable again. So a write that fails as read-only (or with an I/O error) counts
  as a lost connection: SQLAlchemy drops it, and we close the worker's idle ones too, so the next request opens the
  file afresh.
- The file is moved or replaced (`mv moderato.db elsewhere`). Connections opened before keep writing into the moved
  file. So every checkout compares the path's inode with the one the connection opened; a mismatch reconnects, and
  the path is opened with mode=rw: a missing file is an error (503), never a new empty database.
- The readiness probe checks that a write can happen (see service.web.health.write_probe).
"""

from __future__ import annotations

import logging
import os
import signal
import sqlite3
from typing import Any
from urllib.parse import quote

from flask import Flask, g, has_request_context, request
from sqlalchemy import Engine, event
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.exc import DisconnectionError

logger = logging.getLogger(__name__)

INODE_KEY = "moderato.sqlite_inode"
WRITABLE_KEY = "moderato.sqlite_writable"
# sqlite3.OperationalError texts that mean this connection (or the process's shared file) cannot write any more.
BROKEN_FILE_ERRORS = ("readonly", "disk i/o error", "unable to open database file", "database disk image")


def _file_id(path: str) -> tuple[int, int] | None:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return stat.st_dev, stat.st_ino


def close_all_after_request() -> None:
    """Ask for every connection of this worker to be closed once the request has given its own back."""
    g.moderato_reset_sqlite = True


def restart_worker_after_request() -> None:
    """The file is writable but this process still cannot write to it: SQLite's per-process state of the file
    outlived the connections (a statement still referenced keeps a closed connection's file open). Under gunicorn,
    end this worker gracefully after the request; the master forks a fresh one. Elsewhere, only log it."""
    if has_request_context() and request.environ.get("SERVER_SOFTWARE", "").startswith("gunicorn"):
        g.moderato_restart_worker = True


def install(app: Flask, engine: Engine, path: str) -> None:
    """Attach the guards to `engine`, whose database is the SQLite file `path`."""
    # A first start (`moderato db upgrade` on a fresh clone) must create the file; once it exists, never again.
    create = not os.path.exists(path)

    @event.listens_for(engine, "do_connect")
    def _open_read_write(_dialect: Any, _record: Any, cargs: list[Any], cparams: dict[str, Any]) -> None:
        mode = "rwc" if create else "rw"
        cargs[:] = [f"file:{quote(os.path.abspath(path))}?mode={mode}"]
        cparams["uri"] = True

    @event.listens_for(engine, "connect")
    def _remember_inode(_dbapi_connection: Any, record: Any) -> None:
        record.info[INODE_KEY] = _file_id(path)
        record.info[WRITABLE_KEY] = os.access(path, os.W_OK)

    @event.listens_for(engine, "checkout")
    def _same_file(_dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        opened = record.info.get(INODE_KEY)
        if opened is not None and _file_id(path) != opened:
            logger.error("database file was moved or replaced: reconnecting to the path")
            raise DisconnectionError("the database path no longer names the open file")
        if record.info.get(WRITABLE_KEY) is False and os.access(path, os.W_OK):
            # Opened while the file was read-only (so SQLite opened it read-only); it is writable now: reopen it,
            # with the worker's idle connections, rather than fail the first write.
            logger.warning("database file writable again: reconnecting")
            engine.pool.dispose()
            close_all_after_request()
            raise DisconnectionError("the database file was read-only when this connection opened it")

    @event.listens_for(engine, "handle_error")
    def _broken_file_is_a_lost_connection(context: ExceptionContext) -> None:
        error = context.original_exception
        if isinstance(error, sqlite3.OperationalError) and any(
            text in str(error).lower() for text in BROKEN_FILE_ERRORS
        ):
            logger.error("database file not writable error=%s: reconnecting", str(error)[:80])
            context.is_disconnect = True
            close_all_after_request()
            if os.access(path, os.W_OK):
                restart_worker_after_request()

    @app.teardown_appcontext
    def _close_all(_exc: BaseException | None) -> None:
        # SQLite keeps one open file per process: any connection left open, even idle, would pin it read-only.
        # The request's own connections go back first (Flask-SQLAlchemy's teardown may run after this one).
        if g.pop("moderato_reset_sqlite", False):
            from service.extensions import db

            db.session.remove()
            engine.pool.dispose()
        if g.pop("moderato_restart_worker", False):
            logger.error("database file writable but this worker cannot write to it: restarting the worker")
            os.kill(os.getpid(), signal.SIGTERM)  # gunicorn's graceful stop for one worker
