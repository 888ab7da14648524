"""Several hosts (by hand, not CI): two gunicorn instances behind HAProxy on one PostgreSQL and one Redis.

Posts through the balancer and shows (1) rate limits shared by the hosts (Redis counters: one author's limit holds
across both), (2) a policy change made through one host reaching both (each host's own intake path rejects the new
banned term), (3) one host killed (-9, master and workers) mid-load losing no acknowledged comment (every 201's id is
stored with its body), the balancer sending the rest to the surviving host.

    apt-get install haproxy
    .venv/bin/python bench/multi_host.py [--database postgresql+psycopg://postgres@127.0.0.1:5432/moderato_scale2_multi]
        [--redis redis://127.0.0.1:6379/6] [--model models/<version>] [--seconds 12] [--clients 8]

It drops and recreates the database's public schema and empties the Redis database it is given.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import redis
from _server import MODERATO, ROOT, free_port, moderato_env, moderato_server, stop, wait_ready, worker_pids
from sqlalchemy import create_engine, text

EMAIL_LIMIT = 10  # per minute, per author address: what the shared counters must hold across both hosts
HAPROXY = """
global
    maxconn 512
defaults
    mode http
    timeout connect 1s
    timeout client 30s
    timeout server 30s
    # A request that never reached a server (connection refused: the host is dead) goes to the other one; nothing
    # that reached a server is retried, so a post is never written twice by the balancer.
    retries 3
    retry-on conn-failure
    option redispatch
    # A busy host answers its health check late, not never: only a refused or silent one is taken out.
    timeout check 5s
frontend site
    bind 127.0.0.1:{port}
    option forwardfor
    default_backend hosts
backend hosts
    balance roundrobin
    option httpchk GET /healthz
    http-response set-header X-Served-By %s
    server a 127.0.0.1:{a} check inter 300ms fall 2 rise 1
    server b 127.0.0.1:{b} check inter 300ms fall 2 rise 1
"""


def request(
    url: str, payload: dict[str, Any] | None = None, headers: dict[str, str] | None = None, method: str = "POST"
) -> tuple[int, dict[str, Any], str]:
    """One HTTP call: (status, JSON body or {}, the host that served it per the balancer); status 0 = no answer."""
    data = json.dumps(payload).encode() if payload is not None else None
    sent = urllib.request.Request(url, data, {"Content-Type": "application/json", **(headers or {})}, method=method)
    try:
        with urllib.request.urlopen(sent, timeout=20) as response:
            return response.status, json.loads(response.read() or b"{}"), response.headers.get("X-Served-By", "")
    except urllib.error.HTTPError as error:
        try:
            body = json.loads(error.read() or b"{}")
        except ValueError:
            body = {}
        return error.code, body, error.headers.get("X-Served-By", "")
    except OSError:
        return 0, {}, ""


def comment(n: int, email: str, body: str | None = None) -> dict[str, Any]:
    return {
        "article_id": "bench/multi-host",
        "author_name": f"Reader {n}",
        "author_email": email,
        "body": body or f"Comment {n}: the harbour ferry needs a winter timetable that shift workers can use.",
    }


def shared_rate_limit(site: str) -> None:
    statuses, hosts = Counter(), Counter()
    for n in range(EMAIL_LIMIT + 6):
        status, _, host = request(f"{site}/api/v1/comments", comment(n, "same.author@example.org"))
        statuses[status] += 1
        hosts[host] += 1
    print(
        f"1. rate limit shared: {EMAIL_LIMIT + 6} posts by one author through the balancer, served by "
        f"{dict(hosts)}: {statuses[201]} accepted, {statuses[429]} refused (429); limit {EMAIL_LIMIT}/min per author "
        f"-> {'SHARED' if statuses[201] == EMAIL_LIMIT else 'NOT SHARED'}"
    )


def policy_reaches_both(site: str, hosts: dict[str, int], admin: dict[str, str]) -> None:
    term = "zebracornish"
    status, body, host = request(f"{site}/api/v1/policy", {"banned_terms": [term]}, admin, method="PATCH")
    assert status == 200, (status, body)
    changed = time.monotonic()
    print(f"2. policy version {body.get('version')} (banned term {term!r}) set through host {host}:")
    for n, (name, port) in enumerate(hosts.items()):
        # Straight to the host, as the balancer would forward a reader of its own network (X-Forwarded-For).
        forwarded = {"X-Forwarded-For": f"198.51.100.{n + 10}"}
        while True:
            status, answer, _ = request(
                f"http://127.0.0.1:{port}/api/v1/comments",
                comment(900 + n, f"policy{n}@example.org", f"What a {term} idea from the council."),
                forwarded,
            )
            if answer.get("status") == "rejected" or time.monotonic() - changed > 10:
                break
            time.sleep(0.1)
        seen = time.monotonic() - changed
        print(f"   host {name}: a post with the term is {answer.get('status')} (HTTP {status}) {seen:.2f} s after")


def kill_one_host_mid_load(
    site: str, database: str, victim: subprocess.Popen[bytes], seconds: float, clients: int
) -> None:
    acknowledged: dict[int, str] = {}
    unanswered: list[str] = []
    outcomes, served = Counter(), Counter()
    lock = threading.Lock()
    deadline = time.monotonic() + seconds
    counter = iter(range(10**9))

    def client() -> None:
        while time.monotonic() < deadline:
            n = next(counter)
            payload = comment(n, f"load{n}@example.org")
            status, body, host = request(f"{site}/api/v1/comments", payload)
            with lock:
                outcomes[status] += 1
                if status == 201:
                    acknowledged[int(body["id"])] = payload["body"]
                    served[host] += 1
                else:
                    unanswered.append(payload["body"])
            if status != 201:
                time.sleep(0.1)  # as a reader's browser would not retry at once

    with ThreadPoolExecutor(clients) as pool:
        for _ in range(clients):
            pool.submit(client)
        time.sleep(seconds / 3)
        pids = [victim.pid, *worker_pids(victim)]
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
        killed_at = time.monotonic()
        print(f"3. host a killed (-9: master and {len(pids) - 1} workers) {seconds / 3:.1f} s into the load")
    engine = create_engine(database)
    with engine.connect() as connection:
        stored = dict(
            connection.execute(
                text("SELECT id, body FROM comment WHERE id = ANY(:ids)"), {"ids": list(acknowledged)}
            ).all()
        )
        stored_anyway = connection.execute(
            text("SELECT count(*) FROM comment WHERE body = ANY(:bodies)"), {"bodies": unanswered}
        ).scalar_one()
    engine.dispose()
    lost = [i for i, body in acknowledged.items() if stored.get(i) != body]
    print(
        f"   {sum(outcomes.values())} posts in {seconds:.0f} s by {clients} clients; answers {dict(outcomes)} "
        f"(0 = no answer); 201s by host {dict(served)}; load went on {deadline - killed_at:.1f} s after the kill"
    )
    print(
        f"   acknowledged (201) {len(acknowledged)}, stored with their body {len(acknowledged) - len(lost)}, "
        f"lost {len(lost)}; of the {len(unanswered)} posts without a 201, {stored_anyway} were stored anyway (the "
        "host died between its commit and its answer: the reader sees an error, a retry is flagged as a repeat)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="postgresql+psycopg://postgres@127.0.0.1:5432/moderato_scale2_multi")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/6")
    parser.add_argument("--model", default=str(sorted((ROOT / "models").glob("20*"))[-1]))
    parser.add_argument("--seconds", type=float, default=12.0)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    haproxy = shutil.which("haproxy")
    if haproxy is None:
        sys.exit("haproxy is not installed: apt-get install haproxy")

    engine = create_engine(args.database)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    redis.Redis.from_url(args.redis).flushdb()
    env = moderato_env(
        args.database,
        args.model,
        MODERATO_REDIS_URL=args.redis,
        MODERATO_RATE_LIMITS_ENABLED="true",
        MODERATO_RATE_LIMITS_COMMENTS_PER_NETWORK="100000 per minute",
        MODERATO_RATE_LIMITS_COMMENTS_PER_EMAIL=f"{EMAIL_LIMIT} per minute",
        MODERATO_WEB_PROXY_HOPS="1",
    )
    ports = {"a": free_port(), "b": free_port()}
    servers: dict[str, subprocess.Popen[bytes]] = {}
    balancer: subprocess.Popen[bytes] | None = None
    with tempfile.TemporaryDirectory() as folder:
        try:
            for name, port in ports.items():
                servers[name] = moderato_server(env, port)
            secret = (
                subprocess.run(
                    [MODERATO, "token", "create", "--role", "admin", "--name", "multi-host bench"],
                    env=env,
                    check=True,
                    capture_output=True,
                    text=True,
                )
                .stdout.strip()
                .splitlines()[-1]
            )
            site_port = free_port()
            config = Path(folder) / "haproxy.cfg"
            config.write_text(HAPROXY.format(port=site_port, a=ports["a"], b=ports["b"]))
            balancer = subprocess.Popen([haproxy, "-f", str(config), "-db"], stdout=subprocess.DEVNULL)
            site = f"http://127.0.0.1:{site_port}"
            wait_ready(f"{site}/healthz")
            time.sleep(1)  # both servers marked up by the health checks
            print(
                f"two hosts (gunicorn, 2 workers each) on :{ports['a']} and :{ports['b']}, "
                f"HAProxy on :{site_port}, one PostgreSQL, one Redis"
            )
            shared_rate_limit(site)
            policy_reaches_both(site, ports, {"Authorization": f"Bearer {secret}"})
            kill_one_host_mid_load(site, args.database, servers["a"], args.seconds, args.clients)
        finally:
            if balancer is not None:
                balancer.terminate()
                balancer.wait(timeout=10)
            for server in servers.values():
                if server.poll() is None:
                    stop(server)


if __name__ == "__main__":
    main()
