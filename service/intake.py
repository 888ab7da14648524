"""The one intake of a reader comment for both entry points (the JSON API and the no-JavaScript page form)."""

from __future__ import annotations

from typing import Any

from service import forms, limits, metrics, moderation
from service.context import intake_policy, scoring_engine, secret, settings
from service.moderation import Submission


def accept_comment(payload: dict[str, Any]) -> Submission:
    """Turn a validated CommentIn payload into a stored, decided comment: address hashed, bot signals read."""
    # `client_ip` counts only from an integration token (limits.client_address checks); only its hash is stored.
    payload.pop("client_ip", None)
    payload["ip_hash"] = limits.client_ip_hash()
    signals = forms.bot_signals(
        payload.pop("website"), payload.pop("form_token"), secret(), settings()["web"]["min_seconds_to_submit"]
    )
    submission = moderation.submit_comment(
        payload,
        engine=scoring_engine(),
        policy=intake_policy(),
        duplicate_window_minutes=settings()["rules"]["duplicate_window_minutes"],
        bot_signals=signals,
    )
    metrics.record_submission(submission.status, [reason["code"] for reason in submission.reasons])
    return submission
