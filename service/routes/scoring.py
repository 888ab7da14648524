"""POST /api/v1/score: score texts without storing anything (any valid token)."""

from __future__ import annotations

from flask import Blueprint, request
from flask.typing import ResponseReturnValue

from service.schemas import ScoreBatchOut, ScoreIn, ScoreOut
from service.web.access import require_role
from service.web.context import live_models

bp = Blueprint("scoring", __name__)


@bp.post("/api/v1/score")
@require_role()
def score() -> ResponseReturnValue:
    """Score one body or a batch of up to 100."""
    payload = ScoreIn().load(request.get_json())
    if "bodies" in payload:
        return ScoreBatchOut().dump({"items": live_models().score_now(payload["bodies"])})
    return ScoreOut().dump(live_models().score_now([payload["body"]])[0])
