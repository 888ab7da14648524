"""Shared fixtures: a tiny real model, a migrated database per backend (SQLite always, PostgreSQL when
MODERATO_TEST_DATABASE_URL is set), a fresh app and client per test."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import Connection, create_engine, text

from service.app import create_app
from service.classifier.scorer import Explanation, Score
from service.extensions import db
from service.live_models import Assessment

TESTS = Path(__file__).parent
TOY_DATA = TESTS / "data" / "toy_comments.csv"
TOY_DATA_AR = TESTS / "data" / "toy_comments_ar.csv"
POSTGRES_URL = os.environ.get("MODERATO_TEST_DATABASE_URL", "")
BACKENDS = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A real bilingual classifier (English and Arabic pipelines) trained in seconds on the tests' own fictional
    comments."""
    from service.classifier.pipeline import Hyperparams
    from service.classifier.scorer import Scorer
    from service.classifier.train import train_model

    params = Hyperparams(min_df=1, calibration_folds=2)
    models = tmp_path_factory.mktemp("models")
    path = train_model([TOY_DATA, TOY_DATA_AR], models, seed=7, version="2026-01-01.1", params=params, loso=False)
    # Held for the session, so the app each test builds reuses these loaded pipelines (hash still checked each time)
    # instead of deserialising the same files again: artifact._LOADED keeps them only while something uses them.
    held = Scorer.load(path)
    yield path
    del held


def _postgres_url(url: str) -> str:
    return "postgresql+psycopg://" + url.split("://", 1)[1] if url.startswith("postgresql://") else url


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, tiny_model: Path
) -> Iterator[str]:
    """A database migrated once per session with the shipped migrations, never with create_all()."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'moderato.db'}"
    else:
        url = _postgres_url(POSTGRES_URL)
        engine = create_engine(url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    app = create_app(_overrides(url, tiny_model), check_schema=False)
    with app.app_context():
        upgrade()
        db.engine.dispose()
    yield url


def _overrides(url: str, model_path: Path, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    settings: dict[str, Any] = {
        "secret_key": "test-secret",
        "database": {"url": url},
        "model": {"path": str(model_path), "fail_safe": False},
        "rate_limits": {"enabled": False},
        "logging": {"level": "WARNING"},
        # The blind audit sample queues a random 2% by default; tests that assert an outcome need it off
        # (the audit-sample tests switch it on explicitly).
        # The shipped Arabic thresholds belong to the shipped model: the tests' tiny model is decided by the general
        # pair unless a test sets its own.
        "policy": {"audit_sample_rate": 0.0, "thresholds_by_language": {}},
        # Tests post through the API like an integration would, without a form token; tests/test_form_tokens.py
        # switches the shipped default (hold such posts) back on.
        "web": {"require_form_token": False},
    }
    for section, values in (extra or {}).items():
        if isinstance(values, dict):
            settings.setdefault(section, {}).update(values)
        else:
            settings[section] = values
    return settings


def _empty_postgres_tables(connection: Connection, tables: list[str]) -> None:
    """Delete every row and restart every sequence. With triggers off (a superuser's replica role: the audit log's
    append-only guard, foreign keys, maintained aggregates) a few rows go in milliseconds; TRUNCATE, the fallback for a
    non-superuser (allowed by the guard: it is not a row DELETE), costs some 60 ms a test."""
    is_superuser = connection.execute(text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")).scalar()
    if not is_superuser:
        connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        return
    connection.execute(text("SET LOCAL session_replication_role = replica"))
    connection.execute(text("; ".join(f"DELETE FROM {table}" for table in tables)))
    connection.execute(text("SELECT setval(oid, 1, false) FROM pg_class WHERE relkind = 'S'"))


def _empty_tables(app: Flask) -> None:
    with app.app_context():
        # shadow_cell last: deleting a comment takes it out of its cell (migration 0008's trigger).
        tables = sorted((table.name for table in reversed(db.metadata.sorted_tables)), key="shadow_cell".__eq__)
        with db.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                _empty_postgres_tables(connection, tables)
            else:
                for table in tables:
                    connection.execute(text(f"DELETE FROM {table}"))
        db.engine.dispose()


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """Per-test settings; a test overrides this fixture (or a module does) to change config."""
    return {}


@pytest.fixture
def make_app(database_url: str, tiny_model: Path) -> Iterator[Any]:
    """Build apps on the shared database; tables are emptied after the test."""
    built: list[Flask] = []

    def build(extra: dict[str, Any] | None = None) -> Flask:
        app = create_app(_overrides(database_url, tiny_model, extra))
        app.config["TESTING"] = True
        built.append(app)
        return app

    yield build
    if built:
        _empty_tables(built[0])
    for application in built:
        # Close every pooled connection now: a pool dropped by the garbage collector leaves psycopg
        # connections open (a ResourceWarning, which this suite treats as an error).
        with application.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(make_app: Any, settings_overrides: dict[str, Any]) -> Flask:
    application: Flask = make_app(settings_overrides)
    return application


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def good_comment(**changes: Any) -> dict[str, Any]:
    """A valid comment payload; tests change one field at a time."""
    payload: dict[str, Any] = {
        "article_id": "2026/11/harbour-bridge-reopens",
        "author_name": "Ada Lovelace",
        "author_email": "ada@example.org",
        "body": "Good to see the bridge open again before the winter market.",
    }
    payload.update(changes)
    return {key: value for key, value in payload.items() if value is not ...}


@pytest.fixture
def tokens(app: Flask) -> dict[str, dict[str, str]]:
    """Authorization headers for one real token of each role (plus a second moderator)."""
    from service import auth

    headers = {}
    with app.app_context():
        for name, role in [
            ("admin", auth.Role.ADMIN),
            ("moderator", auth.Role.MODERATOR),
            ("moderator2", auth.Role.MODERATOR),
            ("integration", auth.Role.INTEGRATION),
        ]:
            issued = auth.create_token(name, role, actor="test")
            headers[name] = {"Authorization": f"Bearer {issued.secret}"}
        db.session.remove()
    return headers


def set_policy(client: FlaskClient, tokens: dict[str, dict[str, str]], **changes: Any) -> dict[str, Any]:
    """Change the policy through the admin API, as an operator would."""
    response = client.patch("/api/v1/policy", json=changes, headers=tokens["admin"])
    assert response.status_code == 200, response.get_json()
    body: dict[str, Any] = response.get_json()
    return body


def stored_comment(app: Flask, comment_id: int) -> Any:
    """The comment as stored, detached from the session so a test can read it after the app context ends."""
    from service.records import Comment

    with app.app_context():
        comment = db.session.get(Comment, comment_id)
        assert comment is not None
        db.session.expunge(comment)
        return comment


def run_cli(app: Flask, *args: str) -> Any:
    """Invoke the `moderato` command against a test app."""
    from click.testing import CliRunner
    from flask.cli import ScriptInfo

    from service.cli import main

    return CliRunner().invoke(main, list(args), obj=ScriptInfo(create_app=lambda: app), catch_exceptions=False)


@dataclass
class FakeScorer:
    """A scorer that returns one fixed probability (None = "could not score") for a fixed language, so decisions are
    deterministic; `unsupported` plays a comment in a language no model covers."""

    probability: float | None = 0.05
    shadow_probability: float | None = None
    language: str = "en"
    unsupported: tuple[str, ...] = ()
    scored: list[str] = field(default_factory=list)

    def _score(self, probability: float | None, version: str) -> Score | None:
        if probability is None:
            return None
        categories = {"abuse": probability, "spam": 0.0}
        return Score(probability, categories, explanation=[], model_version=version, language=self.language)

    def assess(self, text: str) -> Assessment:
        self.scored.append(text)
        score = self._score(self.probability, "fake-1")
        return Assessment(self.language, (score,) if score else (), self.unsupported)

    def score_shadow(self, text: str, language: str) -> Score | None:
        return self._score(self.shadow_probability, "fake-shadow")

    def explain_categories(self, text: str, score: Score, categories: Sequence[str]) -> dict[str, list[Explanation]]:
        # The first word stands for whatever drove each category (a real model is exercised in the route tests).
        first = text.split()[0] if text.split() else ""
        return {name: [Explanation(first, 1.0, 0, len(first))] if first else [] for name in categories}


@pytest.fixture
def fake_scorer() -> FakeScorer:
    return FakeScorer()
