"""POST /api/v1/score: score texts without storing anything (any valid token)."""

from __future__ import annotations

from flask import Blueprint, request
from flask.typing import ResponseReturnValue

from service.errors import ServiceUnavailable
from service.live_models import score_to_json
from service.schemas import ScoreIn
from service.web.access import require_role
from service.web.context import live_models

bp = Blueprint("scoring", __name__)


@bp.post("/api/v1/score")
@require_role()
def score() -> ResponseReturnValue:
    """Score one body or a batch of up to 100."""
    payload = ScoreIn().load(request.get_json())
    engine = live_models()
    if engine.active is None:
        raise ServiceUnavailable("No classifier is loaded (fail-safe mode).")
    if "bodies" in payload:
        return {"items": [score_to_json(s) for s in engine.active.score_many(payload["bodies"])]}
    return score_to_json(engine.active.score(payload["body"]))
