"""Admin endpoints for personal data: export and erase everything stored about an e-mail address."""

from __future__ import annotations

from flask import Blueprint, request
from flask.typing import ResponseReturnValue

from service import privacy
from service.auth import Role
from service.schemas import PrivacyEmail, PrivacyErased, PrivacyExport
from service.web.access import principal, require_role
from service.web.context import secret

bp = Blueprint("privacy", __name__)


@bp.get("/api/v1/privacy/export")
@require_role(Role.ADMIN)
def export() -> ResponseReturnValue:
    """Everything stored about an address, as JSON."""
    email = PrivacyEmail().load(request.args.to_dict())["email"]
    return PrivacyExport().dump(privacy.export_email(email, secret(), principal().actor))


@bp.post("/api/v1/privacy/erase")
@require_role(Role.ADMIN)
def erase() -> ResponseReturnValue:
    """Anonymise every comment by an address; audited under a keyed hash of the address."""
    email = PrivacyEmail().load(request.get_json())["email"]
    return PrivacyErased().dump({"erased_comments": privacy.erase_email(email, secret(), principal().actor)})
