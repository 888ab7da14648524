"""The one intake of a reader comment for both entry points (the JSON API and the no-JavaScript page form)."""

from __future__ import annotations

from typing import Any

from service import authors, bot_signals, edits, moderation, nudge
from service.auth import Role
from service.moderation import Submission
from service.web import access, limits, metrics
from service.web.context import intake_policy, live_models, secret, settings


def author_key(payload: dict[str, Any]) -> str:
    """Who wrote the comment: the integration's own user id when an integration token posts one (`author_subject`),
    else the e-mail address; only a keyed hash of either is kept."""
    subject = payload.pop("author_subject", None)
    if subject:
        caller = access.current_principal()
        if caller is not None and caller.role == Role.INTEGRATION:
            return authors.subject_author_key(secret(), caller.name, subject)
    return authors.email_author_key(secret(), payload["author_email"])


def accept_comment(payload: dict[str, Any]) -> Submission:
    """Turn a validated CommentIn payload into a stored, decided comment: address hashed, bot signals read."""
    payload["author_key"] = author_key(payload)
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


def check_comment(payload: dict[str, Any]) -> nudge.Nudge:
    """The nudge before posting: decide a validated CommentIn payload as posting it would, storing nothing."""
    payload["author_key"] = author_key(payload)
    for name in ("client_ip", "website", "form_token", "nudged"):
        payload.pop(name, None)
    return nudge.check_comment(
        payload,
        scorer=live_models(),
        policy=intake_policy(),
        duplicate_window_minutes=settings()["rules"]["duplicate_window_minutes"],
    )


def edit_comment(comment_id: int, payload: dict[str, Any]) -> edits.Edited:
    """An author's edit of their comment (a validated CommentEditIn payload), decided again."""
    edited = edits.edit_comment(
        comment_id,
        payload["edit_token"],
        payload["body"],
        scorer=live_models(),
        policy=intake_policy(),
        duplicate_window_minutes=settings()["rules"]["duplicate_window_minutes"],
    )
    return edited
