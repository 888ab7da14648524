"""Real gunicorn: no client IP address in any log line (access log, gunicorn's warnings, the app's own lines)."""

from __future__ import annotations

import socket
import subprocess
import urllib.request
from pathlib import Path

import pytest

from bench._server import MODERATO, free_port, moderato_env, stop, wait_ready
from service.web.logs import ADDRESS

pytestmark = pytest.mark.slow


def test_no_log_line_names_the_client_address(tmp_path: Path, tiny_model: Path) -> None:
    env = moderato_env(f"sqlite:///{tmp_path / 'moderato.db'}", str(tiny_model), MODERATO_LOGGING_LEVEL="INFO")
    subprocess.run([MODERATO, "db", "upgrade"], env=env, check=True, capture_output=True)
    port = free_port()
    log = tmp_path / "server.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [MODERATO, "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_ready(f"http://127.0.0.1:{port}/healthz")
        comment = (
            b'{"article_id": "logs", "author_name": "Reader", "author_email": "r@example.org",'
            b' "body": "A comment about the harbour festival fireworks."}'
        )
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/v1/comments", data=comment, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 201
        # A malformed request line: gunicorn warns "Invalid request from ip=<client>".
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(b"NOT A REQUEST\r\n\r\n")
            assert sock.recv(100).startswith(b"HTTP/1.1 400")
    finally:
        stop(server)
    lines = log.read_text().splitlines()
    assert any('"POST /api/v1/comments" 201' in line for line in lines)
    assert any("Invalid request from ip=[address removed]" in line for line in lines)
    # The server's own listening address is configuration, not a client's.
    leaks = [line for line in lines if ADDRESS.search(line) and "Listening at:" not in line]
    assert leaks == []
