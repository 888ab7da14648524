"""Real gunicorn: boots with two workers, and killing one mid-load loses no acknowledged comment."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _post(url: str, payload: dict[str, Any]) -> tuple[int, dict[str, Any] | None]:
    request = urllib.request.Request(
        url, data=json.dumps(payload).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, None
    except (urllib.error.URLError, ConnectionError, TimeoutError, http.client.HTTPException):
        # A killed worker may cut the connection mid-response: no acknowledgement reached the client.
        return 0, None


def _worker_pids(master: int) -> list[int]:
    """Processes whose parent is the gunicorn master, from /proc/*/stat (/proc/PID/task/*/children is reliable
    only while the children are stopped, says the kernel's documentation)."""
    workers = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # exited while we looked
        if int(fields[1]) == master:
            workers.append(int(stat.parent.name))
    return workers


def test_killing_a_worker_mid_load_loses_no_acknowledged_comment(tmp_path: Path, tiny_model: Path) -> None:
    database = f"sqlite:///{tmp_path / 'moderato.db'}"
    env = {
        **os.environ,
        "MODERATO_DATABASE_URL": database,
        "MODERATO_MODEL_PATH": str(tiny_model),
        "MODERATO_SECRET_KEY": "gunicorn-test",
        "MODERATO_RATE_LIMITS_ENABLED": "false",
        "MODERATO_LOGGING_LEVEL": "WARNING",
    }
    moderato = [sys.executable, "-m", "service.cli"] if not (ROOT / ".venv/bin/moderato").exists() else []
    command = moderato or [str(ROOT / ".venv/bin/moderato")]
    subprocess.run([*command, "db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True)
    port = _free_port()
    server = subprocess.Popen(
        [*command, "serve", "--bind", f"127.0.0.1:{port}", "--workers", "2"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=1):
                    break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("gunicorn did not start")
        # gunicorn forks its workers one after another, with a short random pause between them: the first one can
        # answer before the second exists.
        for _ in range(100):
            if len(_worker_pids(server.pid)) == 2:
                break
            time.sleep(0.05)
        acknowledged: dict[int, str] = {}  # id -> the status the 201 answered
        other_statuses: list[int] = []
        lock = threading.Lock()

        def load(thread: int) -> None:
            for i in range(25):
                status, body = _post(
                    base + "/api/v1/comments",
                    {
                        "article_id": "gunicorn",
                        "author_name": "Load",
                        "author_email": f"load{thread}@example.org",
                        "body": f"Comment {i} from reader {thread} about the ferry timetable change.",
                    },
                )
                with lock:
                    if status == 201 and body is not None:
                        acknowledged[int(body["id"])] = body["status"]
                    else:
                        other_statuses.append(status)

        threads = [threading.Thread(target=load, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        while len(acknowledged) < 10 and any(t.is_alive() for t in threads):
            time.sleep(0.01)
        workers = _worker_pids(server.pid)
        assert len(workers) == 2
        os.kill(workers[0], signal.SIGKILL)
        for thread in threads:
            thread.join()
        assert len(acknowledged) >= 50
        # Connection resets while the worker died are possible; 5xx answers are not.
        assert all(status == 0 or status < 500 for status in other_statuses), other_statuses
        engine = create_engine(database)
        with engine.connect() as connection:
            stored = {
                row[0]: row[1]
                for row in connection.execute(text("SELECT id, status FROM comment WHERE article_id = 'gunicorn'"))
            }
        engine.dispose()
        missing = [comment_id for comment_id in acknowledged if comment_id not in stored]
        assert missing == []
        assert {comment_id: stored[comment_id] for comment_id in acknowledged} == acknowledged
    finally:
        server.terminate()
        server.wait(timeout=30)
