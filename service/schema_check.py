"""Refuse to serve on a database whose schema is older than the code's migrations."""

from __future__ import annotations

import functools

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import Config

from service.extensions import db, migrate
from service.settings import ConfigError


def head_revision() -> str | None:
    """The newest migration shipped with the code."""
    return _head_of(str(migrate.directory))


@functools.cache
def _head_of(directory: str) -> str | None:
    # The scripts ship with the code, so reading them once per process is enough (every app built checks its schema).
    config = Config()
    config.set_main_option("script_location", directory)
    return ScriptDirectory.from_config(config).get_current_head()


def require_current_schema() -> None:
    """Raise ConfigError with the fix when the database is not at the head migration."""
    with db.engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    head = head_revision()
    if current != head:
        raise ConfigError(
            f"database schema is at revision {current or 'none'} but the code needs {head}; "
            "run `moderato db upgrade` first"
        )
