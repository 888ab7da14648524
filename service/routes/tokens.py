"""Admin API for API tokens: list, create (secret shown once), revoke."""

from __future__ import annotations

from flask import Blueprint, request
from flask.typing import ResponseReturnValue

from service import auth
from service.auth import Role
from service.schemas import TokenCreated, TokenIn, TokenOut
from service.web import access
from service.web.access import require_role

bp = Blueprint("tokens", __name__)


@bp.get("/api/v1/tokens")
@require_role(Role.ADMIN)
def list_tokens() -> ResponseReturnValue:
    """Every token (never a secret)."""
    return {"items": TokenOut(many=True).dump(auth.list_tokens())}


@bp.post("/api/v1/tokens")
@require_role(Role.ADMIN)
def create_token() -> ResponseReturnValue:
    """Create a token; the response is the only time its secret is shown."""
    payload = TokenIn().load(request.get_json())
    issued = auth.create_token(payload["name"], Role(payload["role"]), access.principal().actor)
    created = TokenCreated().dump(issued.token)
    created["token"] = issued.secret
    return created, 201


@bp.delete("/api/v1/tokens/<int:token_id>")
@require_role(Role.ADMIN)
def revoke_token(token_id: int) -> ResponseReturnValue:
    """Revoke a token at once."""
    return TokenOut().dump(auth.revoke_token(token_id, access.principal().actor))
