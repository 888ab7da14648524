"""Admin API: the policy document and the audit log."""

from __future__ import annotations

from flask import Blueprint, request
from flask.typing import ResponseReturnValue

from service import audit, policy, simulate
from service.auth import Role
from service.schemas import AuditPage, AuditQuery, AutomaticErrorRate, PolicyOut, SimulateIn, SimulateOut
from service.web import access
from service.web.access import require_role
from service.web.context import active_policy, settings

bp = Blueprint("admin", __name__)


@bp.get("/api/v1/policy")
@require_role(Role.ADMIN)
def get_policy() -> ResponseReturnValue:
    """The whole policy document in force, with its version."""
    return PolicyOut().dump(active_policy().document())


@bp.patch("/api/v1/policy")
@require_role(Role.ADMIN)
def patch_policy() -> ResponseReturnValue:
    """Change the fields named; every change is a new, audited version."""
    changed = policy.change_policy(request.get_json(), access.principal().actor, settings()["policy"])
    return PolicyOut().dump(changed.document())


@bp.get("/api/v1/audit")
@require_role(Role.ADMIN)
def list_audit() -> ResponseReturnValue:
    """The audit log, newest first, filtered and cursor-paginated."""
    query = AuditQuery().load(request.args.to_dict())
    events, next_cursor = audit.search(**query)
    return AuditPage().dump({"items": events, "next_cursor": next_cursor})


@bp.post("/api/v1/policy/simulate")
@require_role(Role.ADMIN)
def simulate_thresholds() -> ResponseReturnValue:
    """What candidate thresholds would have done to past decided comments, and a recommended pair; with candidate
    category limits, what each would have held or rejected."""
    payload = SimulateIn().load(request.get_json())
    categories = payload.pop("category_thresholds")
    result = simulate.simulate(**payload)
    if categories is not None:
        thresholds = policy.Thresholds(payload["publish_below"], payload["reject_at"], payload["high_band"])
        result["categories"] = simulate.category_effect(
            categories, payload["window_days"], payload["language"], thresholds
        )
    return SimulateOut().dump(result)


@bp.get("/api/v1/policy/automatic-error-rate")
@require_role(Role.ADMIN)
def automatic_error_rate() -> ResponseReturnValue:
    """The share of blind audit samples people overturned, with a 95% confidence interval."""
    return AutomaticErrorRate().dump(simulate.automatic_error_rate())
