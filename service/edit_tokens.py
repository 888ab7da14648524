"""Per-comment edit tokens: a random secret handed to the author once; only its SHA-256 is stored."""

from __future__ import annotations

import hashlib
import hmac
import secrets

PREFIX = "edt_"


def new_token() -> str:
    """A fresh edit token (256 bits of randomness)."""
    return PREFIX + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """What is stored of a token: enough to check it, useless to present."""
    return hashlib.sha256(token.encode()).hexdigest()


def matches(token: str, stored_hash: str | None) -> bool:
    """Whether `token` is the one whose hash is stored (constant-time)."""
    return stored_hash is not None and hmac.compare_digest(token_hash(token), stored_hash)
