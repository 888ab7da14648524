"""The outcome rule of DESIGN.md as a table: (score, thresholds, high band) -> status and reason."""

from __future__ import annotations

import pytest
from flask import Flask

from service.policy import Policy, Thresholds, outcome, score_decision
from service.status import Status

BASE = {
    "publish_below": 0.3,
    "reject_at": 0.8,
    "high_band": "reject",
    "banned_terms": [],
    "suspect_terms": [],
    "max_links": 2,
    "new_author_hold": 0,
    "report_threshold": 3,
    "audit_sample_rate": 0.0,
    "premoderated_articles": [],
    "closed_articles": [],
}


@pytest.mark.parametrize(
    ("score", "high_band", "status", "reason"),
    [
        (0.0, "reject", Status.PUBLISHED, None),
        (0.2999, "reject", Status.PUBLISHED, None),
        (0.3, "reject", Status.PENDING, "score_borderline"),
        (0.7999, "reject", Status.PENDING, "score_borderline"),
        (0.8, "reject", Status.REJECTED, "score_high"),
        (1.0, "reject", Status.REJECTED, "score_high"),
        (0.8, "hold", Status.PENDING, "score_high"),
        (None, "reject", Status.PENDING, "unscored"),
    ],
)
def test_outcome_rule(score: float | None, high_band: str, status: Status, reason: str | None) -> None:
    policy = Policy.from_document(1, {**BASE, "high_band": high_band})
    decided, reasons = score_decision(score, policy.thresholds())
    assert decided == status
    assert [r["code"] for r in reasons] == ([reason] if reason else [])
    if score is not None:
        assert outcome(score, policy.thresholds()) == status


def test_unscored_is_never_published_even_with_publish_everything() -> None:
    policy = Policy.from_document(1, {**BASE, "publish_below": 1.0, "reject_at": 1.0})
    assert score_decision(None, policy.thresholds())[0] == Status.PENDING


def test_thresholds_come_from_the_policy_document() -> None:
    policy = Policy.from_document(4, {**BASE, "high_band": "hold"})
    assert policy.thresholds() == Thresholds(publish_below=0.3, reject_at=0.8, high_band="hold")


def test_intake_policy_memo_skips_the_database_until_it_is_too_old_or_this_process_changed_the_policy(
    app: Flask,
) -> None:
    from service.extensions import db
    from service.policy import PolicyMemo, change_policy, current_policy
    from service.records import PolicyVersion

    now = [100.0]
    memo = PolicyMemo(clock=lambda: now[0])
    defaults = app.config["MODERATO"]["policy"]
    with app.app_context():
        assert current_policy(defaults, memo, max_age_seconds=1.0).version == 0
        # Another worker or host stores a new version: this worker decides by its memo for up to a second...
        document = {**current_policy(defaults).document(), "publish_below": 0.05}
        document.pop("version")
        db.session.add(PolicyVersion(document=document, created_by="another-host"))
        db.session.commit()
        assert current_policy(defaults, memo, max_age_seconds=1.0).version == 0
        # ...while what admins see is read from the database every time.
        from_elsewhere = current_policy(defaults)
        assert from_elsewhere.version > 0 and from_elsewhere.publish_below == 0.05
        now[0] += 1.5
        assert current_policy(defaults, memo, max_age_seconds=1.0).version == from_elsewhere.version
        # A change made by this process applies at once, however fresh the memo.
        changed = change_policy({"publish_below": 0.07}, "test", defaults)
        in_force = current_policy(defaults, memo, max_age_seconds=1.0)
        assert in_force.version == changed.version and in_force.publish_below == 0.07


def test_each_language_is_decided_by_its_own_thresholds_and_others_by_the_general_pair() -> None:
    policy = Policy.from_document(
        2, {**BASE, "thresholds_by_language": {"ar": {"publish_below": 0.05, "reject_at": 0.6}}}
    )
    assert policy.thresholds("ar") == Thresholds(0.05, 0.6, "reject")
    assert policy.thresholds("en") == policy.thresholds() == Thresholds(0.3, 0.8, "reject")
    assert score_decision(0.2, policy.thresholds("en"))[0] == Status.PUBLISHED
    assert score_decision(0.2, policy.thresholds("ar"))[0] == Status.PENDING


@pytest.mark.parametrize(
    ("scores", "unsupported", "setting", "status", "codes", "decisive"),
    [
        ([("en", 0.1)], [], "hold", Status.PUBLISHED, [], 0),
        # A mixed comment: the stricter language wins, and says why.
        ([("en", 0.1), ("ar", 0.9)], [], "hold", Status.REJECTED, ["score_high"], 1),
        ([("ar", 0.5), ("en", 0.1)], [], "hold", Status.PENDING, ["score_borderline"], 0),
        # A language no model covers is never published automatically, whatever the other parts scored.
        ([], ["fa"], "hold", Status.PENDING, ["unsupported_language"], None),
        ([], ["fa"], "reject", Status.REJECTED, ["unsupported_language"], None),
        ([("en", 0.01)], ["ar-Latn"], "hold", Status.PENDING, ["unsupported_language"], 0),
        ([], [], "hold", Status.PENDING, ["unscored"], None),
    ],
)
def test_language_decision_takes_the_strictest_language(
    scores: list[tuple[str, float]],
    unsupported: list[str],
    setting: str,
    status: Status,
    codes: list[str],
    decisive: int | None,
) -> None:
    from service.policy import LanguageScore, language_decision

    policy = Policy.from_document(
        2,
        {
            **BASE,
            "thresholds_by_language": {"ar": {"publish_below": 0.05, "reject_at": 0.6}},
            "unsupported_language": setting,
        },
    )
    decided, reasons, index = language_decision([LanguageScore(*pair) for pair in scores], unsupported, policy)
    assert (decided, [r["code"] for r in reasons], index) == (status, codes, decisive)


def test_policy_versions_stored_before_language_settings_read_as_hold_and_no_overrides() -> None:
    policy = Policy.from_document(1, BASE)
    assert policy.unsupported_language == "hold" and dict(policy.thresholds_by_language) == {}
    assert policy.document()["thresholds_by_language"] == {}
