"""gunicorn settings for `moderato serve`: app and model loaded once before forking, workers from CPUs."""

import multiprocessing
import os

bind = os.environ.get("MODERATO_BIND", "127.0.0.1:8000")
# Scoring is CPU-bound and cheap; one worker per core plus one keeps a core busy while another waits on the DB.
workers = int(os.environ.get("MODERATO_WORKERS", multiprocessing.cpu_count() + 1))
worker_class = "gthread"
# One request per worker at a time: posts are CPU-bound (scoring) and SQLite serialises writers, so more threads
# only contend for the GIL and the write lock. Measured with bench/throughput.py (2 workers, concurrency 16):
# SQLite 302 req/s, p99 95 ms with 1 thread vs 202 req/s, p99 498 ms with 2 and 194 req/s, p99 871 ms with 4;
# PostgreSQL about the same (169 vs 167 vs 132 req/s). gthread still handles keep-alive connections.
threads = int(os.environ.get("MODERATO_THREADS", "1"))
# Load the app (and the classifier) in the master, so workers share the model pages copy-on-write.
preload_app = True
timeout = 30
graceful_timeout = 30
keepalive = 5
# Recycle a worker now and then, a guard against slow memory growth. Not too often: a new worker starts with cold
# caches (the classifier's word cache, compiled SQL, prepared statements), and at 5,000 requests each of two workers
# recycled every ~18 s under bench/throughput.py load, adding its slow warm-up to the tail latency.
max_requests = int(os.environ.get("MODERATO_MAX_REQUESTS", "50000"))
max_requests_jitter = max_requests // 10
# gunicorn 25+ opens a runtime-control socket (gunicornc: add workers, reload, shut down) at one fixed path per user,
# shared by every gunicorn of that user on the host. Moderato does not use it: signals and the orchestrator manage
# the server, and a second instance on the host would take over the first one's socket.
control_socket_disable = True
accesslog = "-"
# Method, path (no query string) and status only: request bodies (comment text) never reach the access log, and no
# client address does either (no %(h)s; the logger class removes addresses from gunicorn's own warnings).
access_log_format = '"%(m)s %(U)s" %(s)s %(b)s %(M)sms rid=%({x-request-id}o)s'
logger_class = "service.web.logs.AddressFreeGunicornLogger"
wsgi_app = "service.app:create_app()"


def on_starting(server: object) -> None:
    """Start each run with an empty Prometheus multiprocess folder, so dead workers' samples don't linger."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        os.makedirs(folder, exist_ok=True)
        for name in os.listdir(folder):
            if name.endswith(".db"):
                os.remove(os.path.join(folder, name))


def child_exit(server: object, worker: object) -> None:
    """Tell prometheus_client a worker is gone (its gauges stop counting)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)  # type: ignore[attr-defined]
