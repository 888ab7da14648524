"""Accessors for per-app state that routes pass into the domain functions."""

from __future__ import annotations

from typing import Any, cast

from flask import current_app

from service.policy import Policy, PolicyMemo, current_policy
from service.scoring import ScoringEngine


def settings() -> dict[str, Any]:
    """The validated settings of the running app."""
    return cast(dict[str, Any], current_app.config["MODERATO"])


def scoring_engine() -> ScoringEngine:
    """This process's loaded classifier(s)."""
    return cast(ScoringEngine, current_app.extensions["moderato.scoring"])


def active_policy() -> Policy:
    """The policy version in force now."""
    memo = current_app.extensions.setdefault("moderato.policy_memo", PolicyMemo())
    return current_policy(settings()["policy"], memo)


def secret() -> str:
    """The site secret that keys IP-address and reporter hashes."""
    return str(current_app.config["SECRET_KEY"])
