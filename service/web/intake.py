"""The one intake of a reader comment for both entry points (the JSON API and the no-JavaScript page form)."""

from __future__ import annotations

from typing import Any

from service import bot_signals, moderation
from service.auth import Role
from service.moderation import Submission
from service.web import access, limits, metrics
from service.web.context import intake_policy, live_models, secret, settings


def accept_comment(payload: dict[str, Any]) -> Submission:
    """Turn a validated CommentIn payload into a stored, decided comment: address hashed, bot signals read."""
    # `client_ip` counts only from an integration token (limits.client_address checks); only its hash is stored.
    payload.pop("client_ip", None)
    payload["ip_hash"] = limits.client_ip_hash()
    caller = access.current_principal() if access.bearer_secret() else None
    web = settings()["web"]
    signals = bot_signals.form_signals(
        payload.pop("website"),
        payload.pop("form_token"),
        secret(),
        web["min_seconds_to_submit"],
        require_token=web["require_form_token"],
        trusted_caller=caller is not None and caller.role == Role.INTEGRATION,
    )
    submission = moderation.submit_comment(
        payload,
        scorer=live_models(),
        policy=intake_policy(),
        duplicate_window_minutes=settings()["rules"]["duplicate_window_minutes"],
        bot_signals=signals,
    )
    codes = [reason["code"] for reason in submission.reasons]
    metrics.record_submission(submission.status, submission.language, codes)
    return submission
