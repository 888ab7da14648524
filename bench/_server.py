"""Shared helpers of the hand-run benchmarks: a free port, a gunicorn server on the project's config, readiness."""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODERATO = str(ROOT / ".venv" / "bin" / "moderato")
GUNICORN_CONF = str(ROOT / "config" / "gunicorn.conf.py")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def moderato_env(database: str, model: str, **extra: str) -> dict[str, str]:
    """Environment for a Moderato server on its own database: rate limits off, quiet logs."""
    return {
        **os.environ,
        "MODERATO_DATABASE_URL": database,
        "MODERATO_MODEL_PATH": model,
        "MODERATO_SECRET_KEY": "bench",
        "MODERATO_RATE_LIMITS_ENABLED": "false",
        "MODERATO_LOGGING_LEVEL": "ERROR",
        # The load posts like an integration, without comment-form tokens; keep them from being held as unverified.
        "MODERATO_WEB_REQUIRE_FORM_TOKEN": "false",
        **extra,
    }


def wait_ready(url: str, timeout: float = 30.0) -> None:
    """Poll `url` until the server answers at all (any HTTP status); raise if it never does."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"server at {url} did not answer within {timeout:.0f} s")


def start_gunicorn(
    command: Sequence[str], env: Mapping[str, str], ready_url: str, log: Path | None = None
) -> subprocess.Popen[bytes]:
    """Start a gunicorn master (output to `log` or discarded) and wait until it answers `ready_url`."""
    output = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115 - the child process owns the file
    server = subprocess.Popen(list(command), env=dict(env), stdout=output, stderr=subprocess.STDOUT)
    try:
        wait_ready(ready_url)
    except RuntimeError:
        stop(server)
        raise
    return server


def moderato_server(env: Mapping[str, str], port: int, workers: int = 2) -> subprocess.Popen[bytes]:
    """`moderato serve` (gunicorn with config/gunicorn.conf.py) on 127.0.0.1:port, after `moderato db upgrade`."""
    subprocess.run([MODERATO, "db", "upgrade"], env=dict(env), check=True, capture_output=True)
    return start_gunicorn(
        [MODERATO, "serve", "--bind", f"127.0.0.1:{port}", "--workers", str(workers)],
        env,
        f"http://127.0.0.1:{port}/healthz",
    )


def worker_pids(server: subprocess.Popen[bytes]) -> list[int]:
    """The gunicorn master's worker processes."""
    # From /proc/*/stat, not /proc/PID/task/*/children: the kernel calls that file reliable only while the children
    # are stopped.
    workers = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # exited while we looked
        if int(fields[1]) == server.pid:
            workers.append(int(stat.parent.name))
    return workers


def stop(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
