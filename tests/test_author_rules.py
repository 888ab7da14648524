"""The author rules in the pure decision: a history of rejections holds, trust skips only the new-author hold."""

from __future__ import annotations

from typing import Any

import pytest

from service.moderation import decide_submission
from service.status import Status
from tests.test_moderation import codes, facts, policy

RECENT, PUBLISHED = "author_recent_rejections", "author_published"
HOLD_AFTER, TRUST_AFTER, NEW = "hold_after_rejections", "trust_after_published", "new_author_hold"


@pytest.mark.parametrize(
    ("rules", "author", "score", "status", "reason_codes"),
    [
        # Off by default: a record changes nothing.
        ({}, {RECENT: 9, PUBLISHED: 0}, 0.1, Status.PUBLISHED, []),
        # N rejections in the window hold every comment, whatever the score says ...
        ({HOLD_AFTER: 2}, {RECENT: 2}, 0.1, Status.PENDING, ["author_history"]),
        ({HOLD_AFTER: 2}, {RECENT: 1}, 0.1, Status.PUBLISHED, []),
        # ... and never loosen a rejection.
        ({HOLD_AFTER: 1}, {RECENT: 3}, 0.9, Status.REJECTED, ["score_high", "author_history"]),
        # Trust skips the new-author hold ...
        ({NEW: 3, TRUST_AFTER: 2}, {PUBLISHED: 2, "prior": 2}, 0.1, Status.PUBLISHED, []),
        ({NEW: 3, TRUST_AFTER: 2}, {PUBLISHED: 1, "prior": 2}, 0.1, Status.PENDING, ["new_author"]),
        # ... never the classifier or another rule.
        ({NEW: 3, TRUST_AFTER: 2}, {PUBLISHED: 9, "prior": 0}, 0.5, Status.PENDING, ["score_borderline"]),
        ({TRUST_AFTER: 1}, {PUBLISHED: 9, "body": "You scoundrel."}, 0.1, Status.REJECTED, ["banned_term"]),
        # A trusted author with a bad recent record is still held.
        ({TRUST_AFTER: 1, HOLD_AFTER: 1}, {PUBLISHED: 9, RECENT: 1}, 0.1, Status.PENDING, ["author_history"]),
    ],
)  # fmt: skip
def test_author_rules(
    rules: dict[str, Any], author: dict[str, Any], score: float, status: Status, reason_codes: list[str]
) -> None:
    body = author.pop("body", "A calm remark about the vote.")
    decision = decide_submission(facts(score, body, **author), policy(**rules))
    assert (decision.status, codes(decision.reasons)) == (status, reason_codes)
