"""Slow clients: four sockets dribbling a request starve gunicorn, and config/nginx.conf in front of it stops that."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NGINX = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)
pytestmark = [pytest.mark.slow, pytest.mark.skipif(NGINX is None, reason="nginx is not installed")]
SLOW_SOCKETS = 4


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(url: str, process: subprocess.Popen[bytes]) -> None:
    for _ in range(600):
        if process.poll() is not None:
            pytest.fail(f"{url} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    pytest.fail(f"{url} did not answer")


def _probe(port: int, timeout: float) -> int | str:
    """One GET /healthz; its status, or "timeout" when no answer came in time."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=timeout) as response:
            return int(response.status)
    except TimeoutError:
        return "timeout"
    except OSError as exc:
        return "timeout" if isinstance(getattr(exc, "reason", None), TimeoutError) else type(exc).__name__


class Dribblers:
    """Sockets that send `GET /healthz` one byte every `pause` seconds, as the finding's attacker did."""

    def __init__(self, port: int, count: int, pause: float = 2.0) -> None:
        self.stop = threading.Event()
        self.sockets = [socket.create_connection(("127.0.0.1", port)) for _ in range(count)]
        self.thread = threading.Thread(target=self._run, args=(pause,), daemon=True)
        self.thread.start()

    def _run(self, pause: float) -> None:
        request = b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Padding: " + b"a" * 1000
        for byte in request:
            for sock in self.sockets:
                try:
                    sock.send(bytes([byte]))
                except OSError:
                    pass  # the proxy cut it off: what it is for
            if self.stop.wait(pause):
                return

    def close(self) -> None:
        self.stop.set()
        self.thread.join()
        for sock in self.sockets:
            sock.close()


@pytest.fixture
def gunicorn(tmp_path: Path, tiny_model: Path) -> Iterator[int]:
    env = {
        **os.environ,
        "MODERATO_DATABASE_URL": f"sqlite:///{tmp_path / 'moderato.db'}",
        "MODERATO_MODEL_PATH": str(tiny_model),
        "MODERATO_SECRET_KEY": "slow-clients-test",
        "MODERATO_LOGGING_LEVEL": "WARNING",
    }
    command = [str(ROOT / ".venv/bin/moderato")] if (ROOT / ".venv/bin/moderato").exists() else []
    command = command or [sys.executable, "-m", "service.cli"]
    subprocess.run([*command, "db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True)
    port = _free_port()
    # One worker with one thread, so a single stuck thread shows deterministically; with N workers it takes N slow
    # sockets (the finding: 4 sockets starved 3 workers), and which worker accepts which socket is up to the kernel.
    server = subprocess.Popen(
        [*command, "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for(f"http://127.0.0.1:{port}/healthz", server)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.fixture
def nginx(tmp_path: Path, gunicorn: int) -> Iterator[int]:
    """nginx with the shipped config/nginx.conf, only its upstream, port and file locations moved into tmp_path."""
    assert NGINX is not None
    port = _free_port()
    config = (ROOT / "config/nginx.conf").read_text(encoding="utf-8")
    for old, new in (
        ("server app:8000;", f"server 127.0.0.1:{gunicorn};"),
        ("listen 8080;", f"listen 127.0.0.1:{port};"),
        ("access_log /dev/stdout moderato;", f"access_log {tmp_path}/access.log moderato;"),
        ("http {", f"http {{\n    client_body_temp_path {tmp_path}/body;\n    proxy_temp_path {tmp_path}/proxy;"),
    ):
        assert old in config, old
        config = config.replace(old, new, 1)
    (tmp_path / "nginx.conf").write_text(config, encoding="utf-8")
    # master_process off: one process as the current user (no switch to an unprivileged user that could not write
    # tmp_path), which is all this test needs from nginx.
    directives = f"daemon off; master_process off; pid {tmp_path}/nginx.pid;"
    proxy = subprocess.Popen(
        [NGINX, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"), "-e", "stderr", "-g", directives],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for(f"http://127.0.0.1:{port}/healthz", proxy)
        yield port
    finally:
        proxy.terminate()
        proxy.wait(timeout=10)


def test_slow_sockets_starve_gunicorn_alone_but_not_behind_nginx(gunicorn: int, nginx: int) -> None:
    # Behind nginx first (gunicorn's thread stays free): four dribbling sockets, and every probe through nginx
    # is answered while they dribble.
    dribblers = Dribblers(nginx, SLOW_SOCKETS)
    try:
        proxied = [_probe(nginx, timeout=10) for _ in range(3)]
    finally:
        dribblers.close()
    assert proxied == [200, 200, 200]
    # The same four sockets straight at gunicorn: its one thread waits on the first one's headers and no probe gets
    # through while they dribble.
    dribblers = Dribblers(gunicorn, SLOW_SOCKETS)
    try:
        time.sleep(0.5)  # let the worker accept them before the probe queues behind them
        direct = _probe(gunicorn, timeout=3)
    finally:
        dribblers.close()
    assert direct == "timeout"
    # Once they are gone gunicorn answers again.
    assert _probe(gunicorn, timeout=10) == 200
