"""Fault behaviour: database down is a 503 with Retry-After; a missing model refuses start unless fail-safe."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from service.app import create_app
from service.classifier.artifact import ArtifactError
from tests.conftest import _overrides, good_comment


def _close(app: Any) -> None:
    # Drop the failed connection attempts now, not at garbage collection in some later test.
    from service.extensions import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()


UNREACHABLE = "postgresql+psycopg://postgres@127.0.0.1:9/none?connect_timeout=1"


def test_database_down_is_503_with_retry_after_and_the_error_shape(tiny_model: Path) -> None:
    app = create_app(_overrides(UNREACHABLE, tiny_model), check_schema=False)
    client = app.test_client()
    for response in (
        client.post("/api/v1/comments", json=good_comment()),
        client.get("/api/v1/articles/a/comments"),
        client.get("/api/v1/queue", headers={"Authorization": "Bearer mdt_x"}),
    ):
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "5"
        assert response.get_json()["error"]["code"] == "database_unavailable"
    _close(app)


def test_readiness_fails_when_the_database_is_down(tiny_model: Path) -> None:
    app = create_app(_overrides(UNREACHABLE, tiny_model), check_schema=False)
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["database"] != "ok"
    _close(app)


def test_missing_model_refuses_to_start_with_a_clear_message(database_url: str, tmp_path: Path) -> None:
    missing = tmp_path / "no-such-model"
    with pytest.raises(ArtifactError, match="does not exist") as raised:
        create_app(_overrides(database_url, missing))
    assert str(missing) in str(raised.value)


def test_corrupt_model_refuses_to_start(database_url: str, tmp_path: Path) -> None:
    corrupt = tmp_path / "corrupt"
    corrupt.mkdir()
    (corrupt / "model.skops").write_bytes(b"not a model")
    (corrupt / "model-card.json").write_text("{not json")
    with pytest.raises(ArtifactError, match="unreadable model card") as raised:
        create_app(_overrides(database_url, corrupt))
    assert str(corrupt) in str(raised.value)


def test_fail_safe_mode_queues_every_comment_and_is_not_ready(make_app: Any, tmp_path: Path) -> None:
    app = make_app({"model": {"path": str(tmp_path / "missing"), "fail_safe": True}})
    client = app.test_client()
    statuses = {
        client.post("/api/v1/comments", json=good_comment(body=f"Comment number {i} on the ferry.")).get_json()[
            "status"
        ]
        for i in range(5)
    }
    assert statuses == {"pending"}
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.get_json()["checks"]["model"] != "ok"


def test_the_service_recovers_from_killed_database_connections_without_a_restart(
    make_app: Any, database_url: str
) -> None:
    """A database restart kills every pooled connection: requests on them are 503s, never 500s, and the service
    recovers by itself."""
    if not database_url.startswith("postgresql"):
        pytest.skip("killing server-side connections is a PostgreSQL scenario")
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    app = make_app()
    client = app.test_client()
    assert (
        client.post("/api/v1/comments", json=good_comment(body="Before the restart, all is well here.")).status_code
        == 201
    )
    name = make_url(database_url).database
    admin = create_engine(make_url(database_url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        killed = connection.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = :name AND pid <> pg_backend_pid()"
            ),
            {"name": name},
        ).scalar_one()
    admin.dispose()
    assert killed >= 1
    first = client.post("/api/v1/comments", json=good_comment(body="During the restart, this is refused."))
    # The pool does not ping before each checkout (app.py says why): the request on the dead connection is refused.
    assert first.status_code == 503
    assert first.headers["Retry-After"] == "5"
    assert first.get_json()["error"]["code"] == "database_unavailable"
    after = client.post("/api/v1/comments", json=good_comment(body="After the restart, this must be stored."))
    assert after.status_code == 201
    assert client.get("/readyz").status_code == 200
