"""Rate limits on the public endpoints (Flask-Limiter): per client network and per author e-mail address."""

from __future__ import annotations

import ipaddress
import logging
import time
from typing import Any, cast

from flask import Flask, Response, current_app, g, request
from flask_limiter import Limiter, RateLimitExceeded

from service.auth import Role
from service.networks import keyed_hash, network_of
from service.web.access import bearer_secret, current_principal
from service.web.errors import error_response

logger = logging.getLogger(__name__)

# (endpoint, setting in [rate_limits], what the key is): the only limited endpoints; everything else is
# either behind a token or an operations probe.
PUBLIC_LIMITS: tuple[tuple[str, str, str], ...] = (
    ("comments.create_comment", "comments_per_network", "network"),
    ("comments.create_comment", "comments_per_email", "email"),
    # The nudge before posting scores like a post, so it is limited like one (its own counters).
    ("comments.check_comment", "comments_per_network", "network"),
    ("comments.check_comment", "comments_per_email", "email"),
    ("comments.edit_comment", "comments_per_network", "network"),
    # The no-JavaScript form on the demo article posts the same comments, so it gets the same limits.
    ("pages.post_comment_form", "comments_per_network", "network"),
    ("pages.post_comment_form", "comments_per_email", "email"),
    ("queue.report", "reports_per_network", "network"),
    ("comments.list_article_comments", "reads_per_network", "network"),
)


def _secret() -> str:
    return str(current_app.config["SECRET_KEY"])


def client_address() -> str:
    """The reader's address: `client_ip` when a valid integration token posts on a reader's behalf, else the peer."""
    if "moderato_client_address" in g:
        return cast(str, g.moderato_client_address)
    address = request.remote_addr or ""
    if request.method == "POST" and bearer_secret():
        data = request.get_json(silent=True)
        claimed = data.get("client_ip") if isinstance(data, dict) else None
        if isinstance(claimed, str):
            principal = current_principal()
            if principal is not None and principal.role == Role.INTEGRATION:
                try:
                    address = str(ipaddress.ip_address(claimed.strip()))
                except ValueError:
                    pass  # the schema reports the bad field; the limit falls back to the peer address
    g.moderato_client_address = address
    return address


def client_ip_hash() -> str | None:
    """What is stored about the client's address: a keyed hash of its /24 or /48 network, never the address."""
    network = network_of(client_address())
    return None if network == "unknown" else keyed_hash(_secret(), "ip", network)


def network_key() -> str:
    """Limit key of the client's network; hashed so the limit storage (Redis) holds no addresses either."""
    return "net:" + keyed_hash(_secret(), "limit-net", network_of(client_address()))[:32]


def email_key() -> str:
    """Limit key of the posted author e-mail address (case-insensitive), hashed."""
    data = request.get_json(silent=True) if request.is_json else request.form
    email = data.get("author_email") if data is not None and hasattr(data, "get") else None
    normalised = email.strip().lower() if isinstance(email, str) else ""
    return "email:" + keyed_hash(_secret(), "limit-email", normalised)[:32]


KEY_FUNCTIONS = {"network": network_key, "email": email_key}


def _too_many(exc: RateLimitExceeded) -> Response:
    limiter = cast(Limiter, current_app.extensions["moderato.limiter"])
    current = limiter.current_limit
    retry_after = max(1, int(current.reset_at - time.time())) if current is not None else 60
    response = error_response(429, "too_many_requests", "Too many requests; try again later.")
    response.headers["Retry-After"] = str(retry_after)
    return response


def init_limits(app: Flask, settings: dict[str, Any]) -> Limiter:
    """One Limiter per app; counters in Redis when [redis] url is set (shared by workers and hosts), else memory."""
    redis_url = settings["redis"]["url"]
    app.config.update(
        RATELIMIT_ENABLED=settings["rate_limits"]["enabled"],
        RATELIMIT_STORAGE_URI=redis_url or "memory://",
        RATELIMIT_KEY_PREFIX="moderato",
        RATELIMIT_STRATEGY="moving-window",
        RATELIMIT_HEADERS_ENABLED=False,
        # A Redis outage must not take comments down: fall back to per-worker memory counters.
        RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=bool(redis_url),
        RATELIMIT_SWALLOW_ERRORS=True,
    )
    limiter = Limiter(key_func=network_key)
    limiter.init_app(app)
    for endpoint, setting, key in PUBLIC_LIMITS:
        limit_value = str(settings["rate_limits"][setting])
        # Flask-Limiter checks decorated views inside the wrapper it returns, so the wrapper replaces the view.
        limit = limiter.limit(limit_value, key_func=KEY_FUNCTIONS[key], scope=f"{endpoint}:{key}")
        app.view_functions[endpoint] = limit(app.view_functions[endpoint])  # type: ignore[assignment]
    app.register_error_handler(RateLimitExceeded, _too_many)
    app.extensions["moderato.limiter"] = limiter
    logger.info(
        "rate limits enabled=%s storage=%s", settings["rate_limits"]["enabled"], "redis" if redis_url else "memory"
    )
    if settings["rate_limits"]["enabled"] and not redis_url:
        # Said plainly, as the README does: memory counters are per worker process, so N workers let a client
        # through up to N times the configured numbers.
        logger.warning(
            "rate limits are counted per worker process (no [redis] url): with N workers a client gets up to N times "
            "the configured limits; set MODERATO_REDIS_URL for exact limits"
        )
    return limiter
