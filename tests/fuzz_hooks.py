"""Schemathesis hooks for tests/test_fuzz.py: what the API accepts that JSON Schema cannot state."""

from __future__ import annotations

import os
from typing import Any

import schemathesis

_ORDERED = {("POST", "/api/v1/policy/simulate"), ("PATCH", "/api/v1/policy")}


@schemathesis.hook
def filter_body(context: Any, body: Any) -> bool:
    """reject_at below publish_below is refused (422) by a cross-field rule the document states only in words."""
    operation = context.operation
    if operation is None or (operation.method.upper(), operation.path) not in _ORDERED or not isinstance(body, dict):
        return True
    low, high = body.get("publish_below"), body.get("reject_at")
    numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (low, high))
    return not numbers or high >= low


@schemathesis.hook
def map_body(context: Any, body: Any) -> Any:
    """A model registration names a folder that must hold a model: point well-formed paths at the tests' model."""
    operation = context.operation
    model = os.environ.get("MODERATO_FUZZ_MODEL")
    if operation is None or (operation.method.upper(), operation.path) != ("POST", "/api/v1/models") or not model:
        return body
    if isinstance(body, dict) and isinstance(body.get("path"), str) and 1 <= len(body["path"]) <= 500:
        return {**body, "path": model}
    return body
