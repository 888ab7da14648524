"""POST /api/v1/score: score texts without storing anything (any valid token)."""

from __future__ import annotations

from flask import Blueprint, request
from flask.typing import ResponseReturnValue

from service import moderation
from service.schemas import ScoreBatchOut, ScoreIn, ScoreOut
from service.web.access import require_role
from service.web.context import active_policy, live_models

bp = Blueprint("scoring", __name__)


@bp.post("/api/v1/score")
@require_role()
def score() -> ResponseReturnValue:
    """Score one body or a batch of up to 100."""
    payload = ScoreIn().load(request.get_json())
    reports = moderation.score_texts(payload.get("bodies") or [payload["body"]], live_models(), active_policy())
    return ScoreBatchOut().dump({"items": reports}) if "bodies" in payload else ScoreOut().dump(reports[0])
