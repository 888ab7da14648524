"""Admin API of the model registry: list, register, shadow, promote (gated), rollback, shadow report."""

from __future__ import annotations

from flask import Blueprint, request
from flask.typing import ResponseReturnValue

from service import learning, registry
from service.auth import Role
from service.errors import Conflict
from service.schemas import ModelList, ModelOut, PromoteIn, PromoteOut, RegisterModelIn, ShadowReport
from service.settings import resolve_path
from service.web.access import principal, require_role
from service.web.context import active_policy, settings
from service.web.inputs import optional_json_body

bp = Blueprint("models", __name__)


@bp.get("/api/v1/models")
@require_role(Role.ADMIN)
def list_models() -> ResponseReturnValue:
    """Every registered version with its state and metrics."""
    registry.ensure_active(resolve_path(settings()["model"]["path"]))
    return ModelList().dump({"items": registry.registrations()})


@bp.post("/api/v1/models")
@require_role(Role.ADMIN)
def register_model() -> ResponseReturnValue:
    """Register a trained model folder as a candidate."""
    payload = RegisterModelIn().load(request.get_json())
    return ModelOut().dump(registry.register(resolve_path(payload["path"]), principal().actor)), 201


@bp.post("/api/v1/models/<version>/shadow")
@require_role(Role.ADMIN)
def shadow_model(version: str) -> ResponseReturnValue:
    """Score new comments with this version too, without acting on its scores."""
    return ModelOut().dump(registry.set_shadow(version, principal().actor))


@bp.post("/api/v1/models/<version>/promote")
@require_role(Role.ADMIN)
def promote_model(version: str) -> ResponseReturnValue:
    """Make this version active if it passes the gate (or `force`, audited)."""
    force = PromoteIn().load(optional_json_body())["force"]
    promoted, gate = registry.promote(version, principal().actor, resolve_path(settings()["model"]["path"]), force)
    fields = {name: getattr(promoted, name) for name in ModelOut().fields}
    return PromoteOut().dump({**fields, "gate": gate.as_dict()})


@bp.post("/api/v1/models/rollback")
@require_role(Role.ADMIN)
def rollback_model() -> ResponseReturnValue:
    """Return to the previously active version."""
    return ModelOut().dump(registry.rollback(principal().actor, resolve_path(settings()["model"]["path"])))


@bp.get("/api/v1/models/shadow-report")
@require_role(Role.ADMIN)
def shadow_report() -> ResponseReturnValue:
    """Agreement of shadow and active outcomes, and both error rates against decisions made since."""
    shadow = registry.in_state(registry.SHADOW)
    if shadow is None:
        raise Conflict("No model is in shadow mode.")
    policy = active_policy()
    return ShadowReport().dump(learning.shadow_report(shadow.version, policy.thresholds()))
