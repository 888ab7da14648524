"""The shipped migrations are one linear history and build exactly the tables the code declares."""

from __future__ import annotations

import warnings

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from flask_migrate import Config
from sqlalchemy import text

from service.extensions import db, migrate
from service.schema_check import head_revision, require_current_schema
from service.settings import ConfigError


def test_single_migration_head() -> None:
    config = Config()
    config.set_main_option("script_location", migrate.directory)
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1


def test_migrated_database_matches_the_declared_tables(app: Flask) -> None:
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        with warnings.catch_warnings():
            # SQLite's reflection cannot read the lower(author_email) index back; PostgreSQL's compares it.
            warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based index")
            warnings.filterwarnings("ignore", "autogenerate skipping metadata-specified expression-based index")
            assert compare_metadata(context, db.metadata) == []
        assert context.get_current_revision() == head_revision()


def test_service_refuses_an_old_schema(app: Flask) -> None:
    with app.app_context():
        with db.engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = 'older'"))
        try:
            with pytest.raises(ConfigError, match="moderato db upgrade"):
                require_current_schema()
        finally:
            with db.engine.begin() as connection:
                connection.execute(text("UPDATE alembic_version SET version_num = :head"), {"head": head_revision()})


def test_audit_log_refuses_update_and_delete_on_postgresql(app: Flask) -> None:
    from service import audit

    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("the database-level guard is PostgreSQL's; SQLite relies on the code having no such path")
        audit.record("test", "test.event")
        db.session.commit()
        for statement in ("UPDATE audit_event SET actor = 'x'", "DELETE FROM audit_event"):
            with pytest.raises(Exception, match="append-only"):
                db.session.execute(text(statement))
            db.session.rollback()
