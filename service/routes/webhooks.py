"""Admin API on webhooks: register, list (with the last delivery's status) and remove endpoints."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request
from flask.typing import ResponseReturnValue

from service import webhooks
from service.auth import Role
from service.records import WebhookEndpoint
from service.schemas import WebhookIn, WebhookList, WebhookOut
from service.web.access import principal, require_role

bp = Blueprint("webhooks", __name__)


def endpoint_view(endpoint: WebhookEndpoint, pending: int = 0, failed: int = 0) -> dict[str, Any]:
    """An endpoint as the API and the admin page show it (never the secret)."""
    return {
        "id": endpoint.id,
        "url": endpoint.url,
        "events": webhooks.event_names(endpoint),
        "created_by": endpoint.created_by,
        "created_at": endpoint.created_at,
        "last_status": endpoint.last_status,
        "last_attempt_at": endpoint.last_attempt_at,
        "last_success_at": endpoint.last_success_at,
        "pending": pending,
        "failed": failed,
    }


def endpoint_views() -> list[dict[str, Any]]:
    """Every active endpoint with its outbox counts."""
    return [endpoint_view(state.endpoint, state.pending, state.failed) for state in webhooks.endpoints()]


@bp.get("/api/v1/webhooks")
@require_role(Role.ADMIN)
def list_webhooks() -> ResponseReturnValue:
    """Registered endpoints with their last delivery status."""
    return WebhookList().dump({"items": endpoint_views()})


@bp.post("/api/v1/webhooks")
@require_role(Role.ADMIN)
def register_webhook() -> ResponseReturnValue:
    """Register an endpoint; never one on this service's own host."""
    payload = WebhookIn().load(request.get_json())
    endpoint = webhooks.register(
        payload["url"], payload["secret"], payload["events"], principal().actor, own_hosts=[request.host]
    )
    return WebhookOut().dump(endpoint_view(endpoint)), 201


@bp.delete("/api/v1/webhooks/<int:webhook_id>")
@require_role(Role.ADMIN)
def remove_webhook(webhook_id: int) -> ResponseReturnValue:
    """Stop delivering to an endpoint."""
    return WebhookOut().dump(endpoint_view(webhooks.remove(webhook_id, principal().actor)))
