"""Webhooks: admins register endpoints; events go into a durable outbox in the same transaction as the change they
report, and `moderato webhooks deliver` (cron) sends them signed, retrying with backoff."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Integer, String, Text, cast, func, insert, literal, select, update

from service import audit
from service.errors import InvalidFields, NotFound
from service.extensions import db
from service.records import Comment, WebhookDelivery, WebhookEndpoint, utcnow

logger = logging.getLogger(__name__)

EVENTS = ("comment.decided", "comment.published", "comment.reported")
SIGNATURE_HEADER = "X-Moderato-Signature"
EVENT_HEADER = "X-Moderato-Event"
MAX_ATTEMPTS = 8
FIRST_RETRY_SECONDS = 30
MAX_RETRY_SECONDS = 6 * 3600
TIMEOUT_SECONDS = 5
PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"


class WebhookNotFound(NotFound):
    code = "webhook_not_found"
    message = "No such webhook endpoint."


NOT_A_WEBHOOK_URL = "Must be an http:// or https:// URL with a host name."


def check_url(url: str, own_hosts: Sequence[str]) -> str:
    """Only http(s) URLs with a host, and never this service itself (`own_hosts`: its host[:port] names)."""
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:  # a port beyond 65535, a broken IPv6 literal: WebhookIn's pattern lets neither through
        raise InvalidFields(fields={"url": [NOT_A_WEBHOOK_URL]}) from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidFields(fields={"url": [NOT_A_WEBHOOK_URL]})
    own: set[str] = set()
    for host in own_hosts:
        name, _, own_port = host.lower().rpartition(":") if ":" in host else (host.lower(), "", "")
        own.update([f"{name}:{own_port}"] if own_port else [f"{name}:80", f"{name}:443"])
    if f"{parts.hostname.lower()}:{port}" in own:
        raise InvalidFields(fields={"url": ["Must not point at this service itself."]})
    return url


def register(url: str, secret: str, events: Sequence[str], actor: str, own_hosts: Sequence[str]) -> WebhookEndpoint:
    """Register an endpoint for some events; audited (never the secret)."""
    endpoint = WebhookEndpoint(
        url=check_url(url, own_hosts),
        secret=secret,
        events="," + ",".join(sorted(set(events))) + ",",
        active=True,
        created_by=actor,
    )
    db.session.add(endpoint)
    db.session.flush()
    audit.record(actor, "webhook.registered", subject=f"webhook:{endpoint.id}", data={"url": url, "events": events})
    db.session.commit()
    return endpoint


def remove(endpoint_id: int, actor: str) -> WebhookEndpoint:
    """Stop delivering to an endpoint (its outbox rows stay as history); audited."""
    endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None or not endpoint.active:
        raise WebhookNotFound()
    endpoint.active = False
    audit.record(actor, "webhook.removed", subject=f"webhook:{endpoint.id}", data={"url": endpoint.url})
    db.session.commit()
    return endpoint


def event_names(endpoint: WebhookEndpoint) -> list[str]:
    """The events an endpoint receives."""
    return [name for name in endpoint.events.split(",") if name]


@dataclass(frozen=True)
class EndpointState:
    """An endpoint as the admin page shows it: its last delivery and what waits in the outbox."""

    endpoint: WebhookEndpoint
    pending: int
    failed: int


def endpoints() -> list[EndpointState]:
    """Active endpoints with their outbox counts."""
    rows = list(db.session.scalars(select(WebhookEndpoint).where(WebhookEndpoint.active).order_by(WebhookEndpoint.id)))
    counts: dict[tuple[int, str], int] = {
        (endpoint_id, state): count
        for endpoint_id, state, count in db.session.execute(
            select(WebhookDelivery.endpoint_id, WebhookDelivery.state, func.count())
            .where(WebhookDelivery.state.in_([PENDING, FAILED]))
            .group_by(WebhookDelivery.endpoint_id, WebhookDelivery.state)
        )
    }
    return [EndpointState(row, counts.get((row.id, PENDING), 0), counts.get((row.id, FAILED), 0)) for row in rows]


def enqueue(event: str, comment: Comment | dict[str, Any], **extra: Any) -> None:
    """Put one event into the outbox of every active endpoint subscribed to it, in the caller's transaction (one
    INSERT ... SELECT: no rows and no extra read when nobody subscribes)."""
    data = comment if isinstance(comment, dict) else _comment_data(comment)
    now = utcnow()
    body = json.dumps(
        {"id": str(uuid.uuid4()), "event": event, "created_at": now.isoformat(), "comment": data, **extra},
        ensure_ascii=False,
        sort_keys=True,
    )
    # Typed casts: PostgreSQL cannot infer a bare parameter's type in a SELECT list.
    subscribers = select(
        WebhookEndpoint.id,
        cast(literal(event), String),
        cast(literal(body), Text),
        cast(literal(PENDING), String),
        cast(literal(0), Integer),
        literal(now, WebhookDelivery.next_attempt_at.type),
        literal(now, WebhookDelivery.created_at.type),
    ).where(WebhookEndpoint.active, WebhookEndpoint.events.like(f"%,{event},%"))
    db.session.execute(
        insert(WebhookDelivery).from_select(
            ["endpoint_id", "event", "body", "state", "attempts", "next_attempt_at", "created_at"], subscribers
        )
    )


def comment_decided(comment: Comment, status: str, actor: str) -> None:
    """A person decided a comment: `comment.decided`, and `comment.published` when approved (caller's transaction)."""
    data = {**_comment_data(comment), "status": str(status)}
    enqueue("comment.decided", data, decided_by=actor)
    if status == "published":
        enqueue("comment.published", data)


def _comment_data(comment: Comment) -> dict[str, Any]:
    # What the article site needs to refresh its page or tell the author; never the e-mail address.
    return {
        "id": comment.id,
        "article_id": comment.article_id,
        "status": str(comment.status),
        "language": comment.language,
        "reasons": [reason["code"] for reason in comment.reasons or []],
    }


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header's value: `t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the secret>`."""
    digest = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # A redirect could lead anywhere (this service, an internal host): it counts as a failed delivery.
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


def http_post(url: str, body: bytes, headers: dict[str, str]) -> str:
    """POST and return the outcome as text ("200", "503", "error: ..."); 2xx means delivered."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with _OPENER.open(request, timeout=TIMEOUT_SECONDS) as response:
            return str(response.status)
    except urllib.error.HTTPError as exc:
        return str(exc.code)
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        return f"error: {reason}"[:200]


def backoff(attempts: int) -> timedelta:
    """Wait before the next attempt after `attempts` failures: 30 s, 1 min, 2 min ... at most 6 h."""
    return timedelta(seconds=min(FIRST_RETRY_SECONDS * 2 ** (attempts - 1), MAX_RETRY_SECONDS))


@dataclass(frozen=True)
class DeliveryRun:
    delivered: int = 0
    retrying: int = 0
    failed: int = 0


def deliver_due(
    now: datetime | None = None,
    limit: int = 100,
    send: Callable[[str, bytes, dict[str, str]], str] = http_post,
    clock: Callable[[], float] = time.time,
) -> DeliveryRun:
    """Send every due delivery once (oldest first), each in its own transaction; rows are locked while sent, so two
    runs at once never send the same delivery twice (PostgreSQL: SKIP LOCKED)."""
    moment = now or utcnow()
    delivered = retrying = failed = 0
    for _ in range(limit):
        query = (
            select(WebhookDelivery, WebhookEndpoint)
            .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
            .where(WebhookDelivery.state == PENDING, WebhookDelivery.next_attempt_at <= moment)
            .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
            .limit(1)
            .with_for_update(skip_locked=True, of=WebhookDelivery)
        )
        row = db.session.execute(query).first()
        if row is None:
            db.session.commit()
            break
        delivery, endpoint = row
        outcome = _attempt(delivery, endpoint, moment, send, clock)
        db.session.commit()
        delivered += outcome == DELIVERED
        failed += outcome == FAILED
        retrying += outcome == PENDING
    if delivered or retrying or failed:
        logger.info("webhooks delivered=%s retrying=%s failed=%s", delivered, retrying, failed)
    return DeliveryRun(delivered, retrying, failed)


def _attempt(
    delivery: WebhookDelivery,
    endpoint: WebhookEndpoint,
    now: datetime,
    send: Callable[[str, bytes, dict[str, str]], str],
    clock: Callable[[], float],
) -> str:
    body = delivery.body.encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Moderato-Webhooks/1",
        EVENT_HEADER: delivery.event,
        SIGNATURE_HEADER: sign(endpoint.secret, int(clock()), body),
    }
    status = send(endpoint.url, body, headers) if endpoint.active else "endpoint removed"
    ok = status.isdigit() and 200 <= int(status) < 300
    attempts = delivery.attempts + 1
    state = DELIVERED if ok else (FAILED if attempts >= MAX_ATTEMPTS or not endpoint.active else PENDING)
    db.session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery.id)
        .values(
            state=state,
            attempts=attempts,
            last_status=status,
            next_attempt_at=now + backoff(attempts) if state == PENDING else delivery.next_attempt_at,
            delivered_at=now if ok else None,
        )
    )
    endpoint.last_status, endpoint.last_attempt_at = status, now
    if ok:
        endpoint.last_success_at = now
    return state
