"""Accessors for per-app state that routes pass into the domain functions."""

from __future__ import annotations

from typing import Any, cast

from flask import current_app

from service.live_models import LiveModels
from service.policy import Policy, PolicyMemo, current_policy


def settings() -> dict[str, Any]:
    """The validated settings of the running app."""
    return cast(dict[str, Any], current_app.config["MODERATO"])


def live_models() -> LiveModels:
    """This process's loaded classifier(s)."""
    return cast(LiveModels, current_app.extensions["moderato.live_models"])


# How long a comment may be decided by the policy this worker last read: a change made in another worker or host
# applies within this time (in this worker at once). Saves a database round trip on every comment posted.
INTAKE_POLICY_MAX_AGE_SECONDS = 1.0


def _policy_memo() -> PolicyMemo:
    return cast(PolicyMemo, current_app.extensions.setdefault("moderato.policy_memo", PolicyMemo()))


def active_policy() -> Policy:
    """The policy version in force now (what admins and moderators see, read from the database every time)."""
    return current_policy(settings()["policy"], _policy_memo())


def intake_policy() -> Policy:
    """The policy that decides a reader's comment: at most INTAKE_POLICY_MAX_AGE_SECONDS old."""
    return current_policy(settings()["policy"], _policy_memo(), INTAKE_POLICY_MAX_AGE_SECONDS)


def secret() -> str:
    """The site secret that keys IP-address and reporter hashes."""
    return str(current_app.config["SECRET_KEY"])
