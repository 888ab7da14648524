"""Page tests run on plain HTTP with the form's speed check off."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"web": {"secure_cookies": False, "min_seconds_to_submit": 0}}
