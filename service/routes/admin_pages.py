"""Admin page: thresholds with the what-if chart, rule lists with a preview, policy history, models and tokens."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue
from marshmallow import fields, validate

from service import audit, auth, learning, registry, rule_preview
from service.auth import Principal, Role
from service.classifier.artifact import ArtifactError, read_card
from service.reasons import CATEGORIES, OUTCOME_REASONS
from service.routes.moderate_pages import LANGUAGE_NAMES, sign_in_page, signed_in
from service.routes.webhooks import endpoint_views
from service.schemas import StrictSchema
from service.settings import resolve_path
from service.web import access
from service.web.access import require_role
from service.web.context import active_policy, live_models, settings

bp = Blueprint("admin_pages", __name__)


class RulePreviewIn(StrictSchema):
    terms = fields.List(
        fields.String(validate=validate.Length(min=1, max=200)), required=True, validate=validate.Length(max=200)
    )
    days = fields.Integer(load_default=30, strict=True, validate=validate.Range(min=1, max=365))


def model_versions() -> list[dict[str, Any]]:
    """The registry's versions with their state, headline metrics and, for a site blend, its measured gain on the
    site's held-out decisions (the configured model counts as active until a promotion)."""
    registry.ensure_active(resolve_path(settings()["model"]["path"]))
    return [
        {
            "version": item.version,
            "state": item.state,
            "trained_at": item.created_at.isoformat(timespec="seconds"),
            "metrics": _flat_metrics(item.metrics or {}),
            "site_gains": _site_gains(item.path),
        }
        for item in registry.registrations()
    ]


def _site_gains(path: str) -> list[dict[str, Any]]:
    try:
        return learning.site_gains(read_card(resolve_path(path)))
    except ArtifactError:
        return []


def _flat_metrics(metrics: dict[str, Any], prefix: str = "", depth: int = 0) -> dict[str, Any]:
    """Scalar metrics of a card, nested groups as `group.name` (two levels; lists such as curves are left out)."""
    flat: dict[str, Any] = {}
    for key, value in metrics.items():
        name = f"{prefix}{key}"
        if isinstance(value, bool):
            continue
        if isinstance(value, int | float | str):
            flat[name] = value
        elif isinstance(value, dict) and depth < 1:
            flat.update(_flat_metrics(value, f"{name}.", depth + 1))
    return flat


def policy_scope(
    document: dict[str, Any], model_languages: tuple[str, ...], model_categories: frozenset[str]
) -> dict[str, Any]:
    """What the admin page's language selector and category sliders need: the languages (those the serving model
    scores and those the policy already has thresholds for), each category with whether the serving model scores it,
    and the policy's general and per-language thresholds and limits."""
    by_language = document["thresholds_by_language"]
    languages = [
        {
            "code": code,
            "name": LANGUAGE_NAMES.get(code, code),
            "scored": code in model_languages,
            "own": code in by_language,
        }
        for code in sorted(set(model_languages) | set(by_language))
    ]
    categories = [
        {"name": name, "text": OUTCOME_REASONS[f"category_{name}"], "scored": name in model_categories}
        for name in CATEGORIES
    ]
    return {
        "languages": languages,
        "categories": categories,
        "general": {"publish_below": document["publish_below"], "reject_at": document["reject_at"]},
        "thresholds_by_language": by_language,
        "category_thresholds": document["category_thresholds"],
        "unsupported_language": document["unsupported_language"],
    }


def _page(caller: Principal, created: dict[str, str] | None = None, status: int = 200) -> ResponseReturnValue:
    history, _ = audit.search(limit=20, action="policy.changed")
    document = active_policy().document()
    models = live_models()
    return (
        render_template(
            "admin.html",
            principal=caller,
            policy=document,
            scope=policy_scope(document, models.languages, models.categories),
            history=history,
            models=model_versions(),
            active_model=live_models().model_version,
            tokens=auth.list_tokens(),
            webhooks=endpoint_views(),
            roles=[str(role) for role in Role],
            created=created,
            csrf_token=access.csrf_token(),
        ),
        status,
    )


@bp.get("/admin")
def admin() -> ResponseReturnValue:
    """The admin page (admins only; others see the sign-in form)."""
    caller = signed_in(Role.ADMIN)
    if caller is None:
        return sign_in_page("/admin", "Sign in with an admin token." if access.session_principal() else None)
    return _page(caller)


def _admin_form() -> Principal | None:
    caller = signed_in(Role.ADMIN)
    if caller is None or not access.csrf_valid(request.form.get("csrf_token")):
        return None
    return caller


@bp.post("/admin/tokens")
def create_token() -> ResponseReturnValue:
    """Create a token from the page; its secret is shown once on the page that answers."""
    caller = _admin_form()
    if caller is None:
        return sign_in_page("/admin", "Your session or form expired. Please sign in again.", 403)
    name = request.form.get("name", "").strip()[:80]
    role = request.form.get("role", "")
    if not name or role not in {str(r) for r in Role}:
        return _page(caller, {"error": "Give the token a name and a role."}, 422)
    issued = auth.create_token(name, Role(role), caller.actor)
    return _page(caller, {"name": issued.token.name, "role": issued.token.role, "secret": issued.secret}, 201)


@bp.post("/admin/tokens/<int:token_id>/revoke")
def revoke_token(token_id: int) -> ResponseReturnValue:
    """Revoke a token from the page."""
    caller = _admin_form()
    if caller is None:
        return sign_in_page("/admin", "Your session or form expired. Please sign in again.", 403)
    auth.revoke_token(token_id, caller.actor)
    return _page(caller)


@bp.post("/api/v1/policy/rule-preview")
@require_role(Role.ADMIN)
def preview_rules() -> ResponseReturnValue:
    """How many of the last days' comments each term would hit, with examples."""
    payload = RulePreviewIn().load(request.get_json())
    return rule_preview.preview_terms(payload["terms"], payload["days"])
