"""Real gunicorn, two workers: a promotion and a rollback through the admin API reach every worker within seconds,
without a restart and without a failed request."""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.test_gunicorn import ROOT, _free_port

pytestmark = pytest.mark.slow
SETTLE_SECONDS = 4.0


def _call(url: str, method: str = "GET", payload: dict[str, Any] | None = None, token: str = "") -> tuple[int, Any]:
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
    data = json.dumps(payload).encode() if payload is not None else None
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")
    except OSError:
        return 0, None


def test_promotion_and_rollback_reach_every_worker_without_a_failed_request(tmp_path: Path, tiny_model: Path) -> None:
    from service.classifier.train import train_model

    candidate = train_model(
        [ROOT / "tests/data/toy_comments.csv"], tmp_path / "models", seed=11, version="2026-01-02.1", loso=False
    )
    env = {
        **os.environ,
        "MODERATO_DATABASE_URL": f"sqlite:///{tmp_path / 'moderato.db'}",
        "MODERATO_MODEL_PATH": str(tiny_model),
        "MODERATO_MODEL_REFRESH_SECONDS": "0.5",
        "MODERATO_SECRET_KEY": "switch-test",
        "MODERATO_RATE_LIMITS_ENABLED": "false",
        "MODERATO_LOGGING_LEVEL": "WARNING",
    }
    moderato = str(ROOT / ".venv/bin/moderato")
    subprocess.run([moderato, "db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True)
    admin = subprocess.run(
        [moderato, "token", "create", "--role", "admin", "--name", "switch-test"],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    port = _free_port()
    server = subprocess.Popen(
        [moderato, "serve", "--bind", f"127.0.0.1:{port}", "--workers", "2"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    served: list[tuple[float, int, str | None]] = []
    stop = threading.Event()

    def watch() -> None:
        # Many short connections, so both workers answer; each answer names the model that worker serves.
        while not stop.is_set():
            status, body = _call(base + "/healthz")
            served.append((time.monotonic(), status, body.get("model_version") if isinstance(body, dict) else None))

    try:
        for _ in range(200):
            if _call(base + "/healthz")[0] == 200:
                break
            time.sleep(0.1)
        else:
            pytest.fail("gunicorn did not start")
        watchers = [threading.Thread(target=watch) for _ in range(4)]
        for watcher in watchers:
            watcher.start()
        assert _call(base + "/api/v1/models", "POST", {"path": str(candidate)}, admin)[0] == 201
        status, promoted = _call(base + "/api/v1/models/2026-01-02.1/promote", "POST", {"force": True}, admin)
        assert status == 200, promoted
        promoted_at = time.monotonic()
        time.sleep(SETTLE_SECONDS + 1)
        status, _ = _call(base + "/api/v1/models/rollback", "POST", {}, admin)
        assert status == 200
        rolled_back_at = time.monotonic()
        time.sleep(SETTLE_SECONDS + 1)
        stop.set()
        for watcher in watchers:
            watcher.join(timeout=15)
    finally:
        stop.set()
        server.terminate()
        server.wait(timeout=30)

    assert Counter(status for _, status, _ in served) == Counter({200: len(served)}), "a request failed"
    after_promotion = {v for t, _, v in served if promoted_at + SETTLE_SECONDS <= t < rolled_back_at}
    after_rollback = {v for t, _, v in served if t >= rolled_back_at + SETTLE_SECONDS}
    assert after_promotion == {"2026-01-02.1"}
    assert after_rollback == {"2026-01-01.1"}
    stale = [t - promoted_at for t, _, v in served if promoted_at <= t < rolled_back_at and v != "2026-01-02.1"]
    print(
        f"\nhealth checks: {len(served)}, all 200; "
        f"last answer from the old model {max(stale, default=0):.2f} s after promotion"
    )
