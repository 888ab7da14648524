"""Load and fault test (by hand, not CI): gunicorn 2 workers on SQLite and PostgreSQL; kill -9 a worker and, on
PostgreSQL, restart the database mid-load; then check every 201 is stored with its outcome. Prints counts.

    .venv/bin/python bench/load_fault.py --model models/<version> [--posts 400] [--skip-postgres]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from _server import MODERATO, free_port, moderato_env, wait_ready, worker_pids
from sqlalchemy import create_engine, text


def post(url: str, n: int) -> tuple[int, int | None, str | None]:
    payload = {
        "article_id": "bench/load-fault",
        "author_name": f"Reader {n % 50}",
        "author_email": f"reader{n % 50}@example.org",
        "body": f"Comment {n}: the council's ferry plan needs a proper timetable before winter.",
    }
    request = urllib.request.Request(
        url, json.dumps(payload).encode(), {"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            body = json.loads(response.read())
            return response.status, int(body["id"]), str(body["status"])
    except urllib.error.HTTPError as exc:
        return exc.code, None, None
    except (OSError, http.client.HTTPException):
        # The connection died (a killed worker), possibly mid-response: the reader got no acknowledgement.
        return 0, None, None


def run(label: str, database: str, model: str, posts: int, restart_db: bool) -> dict[str, object]:
    env = moderato_env(database, model)
    subprocess.run([MODERATO, "db", "upgrade"], env=env, check=True, capture_output=True)
    port = free_port()
    server = subprocess.Popen(
        [MODERATO, "serve", "--bind", f"127.0.0.1:{port}", "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/api/v1/comments"
    try:
        wait_ready(f"http://127.0.0.1:{port}/healthz")
        results: list[tuple[int, int | None, str | None]] = []
        events: list[str] = []
        with ThreadPoolExecutor(8) as pool:
            futures = [pool.submit(post, url, n) for n in range(posts)]
            while sum(f.done() for f in futures) < posts // 4:
                time.sleep(0.01)
            workers = worker_pids(server)
            os.kill(workers[0], signal.SIGKILL)
            events.append(f"killed worker {workers[0]}")
            if restart_db:
                while sum(f.done() for f in futures) < posts // 2:
                    time.sleep(0.01)
                subprocess.run(["pg_ctlcluster", "15", "main", "restart"], check=True)
                events.append("restarted PostgreSQL")
            results = [f.result() for f in futures]
    finally:
        server.terminate()
        server.wait(timeout=30)
    statuses = Counter(status for status, _, _ in results)
    acknowledged = {cid: outcome for status, cid, outcome in results if status == 201 and cid is not None}
    engine = create_engine(database.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT id, status FROM comment WHERE article_id = 'bench/load-fault'"))
        stored = {row[0]: row[1] for row in rows}
    engine.dispose()
    missing = [cid for cid in acknowledged if cid not in stored]
    wrong = [cid for cid, outcome in acknowledged.items() if cid in stored and stored[cid] != outcome]
    bad_5xx = sum(count for status, count in statuses.items() if status >= 500 and status != 503)
    return {
        "run": label,
        "events": "; ".join(events),
        "posts": posts,
        "status_counts": dict(sorted(statuses.items())),
        "acknowledged_201": len(acknowledged),
        "stored": len(stored),
        "acknowledged_missing": len(missing),
        "outcome_mismatch": len(wrong),
        "5xx_other_than_503": bad_5xx,
        "ok": not missing and not wrong and bad_5xx == 0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", required=True)
    parser.add_argument("--posts", type=int, default=400)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/moderato_bench")
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        rows.append(run("sqlite", f"sqlite:///{folder}/bench.db", args.model, args.posts, restart_db=False))
    if not args.skip_postgres:
        admin = create_engine("postgresql+psycopg://postgres@127.0.0.1:5432/postgres", isolation_level="AUTOCOMMIT")
        name = args.postgres.rsplit("/", 1)[1]
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name}"))
            connection.execute(text(f"CREATE DATABASE {name}"))
        admin.dispose()
        rows.append(run("postgresql", args.postgres, args.model, args.posts, restart_db=True))
    for row in rows:
        print(json.dumps(row))
    sys.exit(0 if all(row["ok"] for row in rows) else 1)


if __name__ == "__main__":
    main()
