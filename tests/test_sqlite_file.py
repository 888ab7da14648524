"""Real gunicorn on a real SQLite file: a file that turns read-only or is moved away is never acknowledged into."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from bench._server import free_port, moderato_env, moderato_server, stop

pytestmark = pytest.mark.slow
POLLS = 100  # requests spent waiting for a state change (each answers in milliseconds once it is reached)


def _request(url: str, payload: dict[str, Any] | None = None) -> int:
    data = json.dumps(payload).encode() if payload is not None else None
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except OSError:
        return 0  # a worker died mid-request (SIGBUS on a file made immutable under its memory map)


def _comment(n: int) -> dict[str, Any]:
    return {
        "article_id": "file-guard",
        "author_name": "Reader",
        "author_email": f"reader{n}@example.org",
        "body": f"Comment {n} about the library's new opening hours on Sundays.",
    }


def _until(predicate: Any) -> bool:
    return any(predicate() for _ in range(POLLS))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, tiny_model: Path) -> Any:
    """One server for both tests (each leaves the file as it found it): starting gunicorn is most of their time."""
    database = tmp_path_factory.mktemp("sqlite-file") / "moderato.db"
    env = moderato_env(f"sqlite:///{database}", str(tiny_model))
    port = free_port()
    process = moderato_server(env, port)
    try:
        yield f"http://127.0.0.1:{port}", database
    finally:
        stop(process)


def _chattr(flag: str, files: list[Path]) -> None:
    subprocess.run(["chattr", flag, *map(str, files)], check=True, capture_output=True)


def test_a_read_only_file_is_not_ready_and_the_service_recovers_by_itself(server: tuple[str, Path]) -> None:
    base, database = server
    assert _request(base + "/api/v1/comments", _comment(0)) == 201
    files = [path for path in database.parent.glob("moderato.db*") if not path.name.endswith(".lock")]
    if os.geteuid() != 0 or shutil.which("chattr") is None:
        pytest.skip("making the file immutable needs root and chattr")
    try:
        _chattr("+i", files)
    except subprocess.CalledProcessError:
        pytest.skip("this file system has no immutable flag")
    try:
        assert _until(lambda: _request(base + "/readyz") == 503)
        statuses = [_request(base + "/api/v1/comments", _comment(n)) for n in range(1, 6)]
        assert 201 not in statuses, statuses
    finally:
        _chattr("-i", files)
    # Writable again: the workers get there by themselves. A worker whose SQLite state of the file stayed read-only
    # answers one last 503 and restarts itself, so at most one failure per worker (two) before a run of successes.
    assert _until(lambda: _request(base + "/readyz") == 200)
    statuses: list[int] = []
    while statuses[-10:] != [201] * 10 and len(statuses) < 40:
        statuses.append(_request(base + "/api/v1/comments", _comment(100 + len(statuses))))
    assert statuses[-10:] == [201] * 10, statuses
    assert len(statuses) - statuses.count(201) <= 2, statuses
    assert set(statuses) <= {201, 503}, statuses


def test_a_moved_file_is_never_acknowledged_into_and_no_new_database_appears(server: tuple[str, Path]) -> None:
    base, database = server
    assert [_request(base + "/api/v1/comments", _comment(n)) for n in range(4)] == [201] * 4
    moved = database.parent / "moved"
    moved.mkdir()
    for path in database.parent.glob("moderato.db*"):
        path.rename(moved / path.name)

    statuses = [_request(base + "/api/v1/comments", _comment(n)) for n in range(10, 30)]
    assert statuses == [503] * 20
    assert _request(base + "/readyz") == 503
    assert not database.exists()  # no worker created a new, empty database at the path
    # Moved back: the same file again, served again.
    for path in moved.iterdir():
        path.rename(database.parent / path.name)
    assert _until(lambda: _request(base + "/readyz") == 200)
    assert _request(base + "/api/v1/comments", _comment(40)) == 201
