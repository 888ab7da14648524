"""Submitting a comment, without HTTP: the pure decision as a table, and the storing use case with a fake scorer."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from service import moderation, rules
from service.errors import ArticleClosed, InvalidFields
from service.extensions import db
from service.moderation import SubmissionFacts, decide_submission
from service.policy import LanguageScore, Policy, score_decision
from service.records import AuditEvent, Comment
from service.status import Status
from tests.conftest import FakeScorer, stored_comment

DOCUMENT: dict[str, Any] = {
    "publish_below": 0.2,
    "reject_at": 0.8,
    "high_band": "reject",
    "banned_terms": ["scoundrel"],
    "suspect_terms": ["lawsuit"],
    "max_links": 1,
    "new_author_hold": 0,
    "report_threshold": 3,
    "audit_sample_rate": 0.0,
    "premoderated_articles": ["premoderated"],
    "closed_articles": ["closed"],
}


def policy(**changes: Any) -> Policy:
    return Policy.from_document(3, {**DOCUMENT, **changes})


def facts(
    score: float | None,
    body: str = "A calm remark about the vote.",
    categories: dict[str, float] | None = None,
    **changes: Any,
) -> SubmissionFacts:
    rule_input = rules.RuleInput(
        body=body,
        article_id=changes.pop("article_id", "a/1"),
        prior_comments_by_author=changes.pop("prior", 5),
        duplicate_of_recent=changes.pop("duplicate", False),
    )
    scores = () if score is None else (LanguageScore("en", score, categories or {}),)
    return SubmissionFacts(scores=scores, rule_input=rule_input, **changes)


def codes(reasons: list[Any]) -> list[str]:
    return [reason["code"] for reason in reasons]


# --- the pure decision ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "status", "reason_codes"),
    [
        (0.05, Status.PUBLISHED, []),
        (0.5, Status.PENDING, ["score_borderline"]),
        (0.9, Status.REJECTED, ["score_high"]),
        (None, Status.PENDING, ["unscored"]),
    ],
)
def test_the_score_alone_decides_a_comment_no_rule_touches(
    score: float | None, status: Status, reason_codes: list[str]
) -> None:
    decision = decide_submission(facts(score), policy())
    assert (decision.status, codes(decision.reasons)) == (status, reason_codes)
    assert not decision.audit_sample and decision.automatic_status is None


def test_an_unscored_comment_is_queued_even_when_every_threshold_would_publish() -> None:
    decision = decide_submission(facts(None), policy(publish_below=1.0, reject_at=1.0))
    assert decision.status == Status.PENDING and codes(decision.reasons) == ["unscored"]


@pytest.mark.parametrize(("score", "status"), [(0.05, Status.PENDING), (0.5, Status.PENDING), (0.9, Status.REJECTED)])
@pytest.mark.parametrize("signal", ["too_fast", "honeypot"])
def test_bot_signals_only_tighten(score: float, status: Status, signal: str) -> None:
    decision = decide_submission(facts(score, bot_signals=(signal,)), policy())
    assert decision.status == status
    assert codes(decision.reasons)[-1] == signal


@pytest.mark.parametrize(
    ("body", "changes", "status", "code"),
    [
        ("You scoundrel.", {}, Status.REJECTED, "banned_term"),
        ("See you at the lawsuit hearing.", {}, Status.PENDING, "suspect_term"),
        ("Read https://a.example and https://b.example", {}, Status.PENDING, "too_many_links"),
        ("A calm remark about the vote.", {"duplicate": True}, Status.PENDING, "duplicate"),
        ("A calm remark about the vote.", {"article_id": "premoderated"}, Status.PENDING, "premoderated_article"),
    ],
)
def test_each_rule_holds_or_rejects_a_low_scored_comment(
    body: str, changes: dict[str, Any], status: Status, code: str
) -> None:
    decision = decide_submission(facts(0.01, body, **changes), policy())
    assert decision.status == status and code in codes(decision.reasons)


@pytest.mark.parametrize(
    ("threat", "status", "codes_expected"),
    [
        (0.1, Status.PUBLISHED, []),
        (0.35, Status.PENDING, ["category_threat"]),
        (0.95, Status.REJECTED, ["category_threat"]),
    ],
)
def test_a_threat_the_overall_score_lets_through_is_held_by_the_threat_limit(
    threat: float, status: Status, codes_expected: list[str]
) -> None:
    limits = {"threat": {"hold_at": 0.3, "reject_at": 0.9}}
    decision = decide_submission(facts(0.05, categories={"threat": threat}), policy(category_thresholds=limits))
    assert (decision.status, codes(decision.reasons)) == (status, codes_expected)


def test_a_language_may_set_its_own_category_limit_over_the_general_one() -> None:
    current = policy(
        category_thresholds={"threat": {"hold_at": 0.5}},
        thresholds_by_language={
            "ar": {"publish_below": 0.2, "reject_at": 0.8, "categories": {"threat": {"hold_at": 0.2}}}
        },
    )
    arabic = SubmissionFacts(scores=(LanguageScore("ar", 0.05, {"threat": 0.3}),), rule_input=facts(0.05).rule_input)
    english = SubmissionFacts(scores=(LanguageScore("en", 0.05, {"threat": 0.3}),), rule_input=facts(0.05).rule_input)
    assert decide_submission(arabic, current).status == Status.PENDING
    assert decide_submission(english, current).status == Status.PUBLISHED


def test_new_authors_are_held_until_they_have_enough_comments() -> None:
    held = decide_submission(facts(0.01, prior=1), policy(new_author_hold=2))
    trusted = decide_submission(facts(0.01, prior=2), policy(new_author_hold=2))
    assert (held.status, codes(held.reasons)) == (Status.PENDING, ["new_author"])
    assert trusted.status == Status.PUBLISHED


@given(
    score=st.one_of(st.none(), st.floats(0, 1)),
    body=st.sampled_from(["Fine words.", "You scoundrel.", "A lawsuit.", "x https://a.example https://b.example"]),
    duplicate=st.booleans(),
    prior=st.integers(0, 3),
    signals=st.lists(st.sampled_from(["too_fast", "honeypot"]), max_size=2),
)
def test_rules_and_signals_never_make_an_outcome_less_strict(
    score: float | None, body: str, duplicate: bool, prior: int, signals: list[str]
) -> None:
    current = policy(new_author_hold=2)
    by_score, _ = score_decision(score, current.thresholds())
    decision = decide_submission(
        facts(score, body, duplicate=duplicate, prior=prior, bot_signals=tuple(signals)), current
    )
    assert rules.STRICTNESS[decision.status] >= rules.STRICTNESS[by_score]


@pytest.mark.parametrize(("score", "machine"), [(0.05, Status.PUBLISHED), (0.9, Status.REJECTED)])
def test_the_blind_audit_sample_hides_the_automatic_status_and_keeps_it(score: float, machine: Status) -> None:
    sampled = decide_submission(facts(score, audit_draw=0.01), policy(audit_sample_rate=0.02))
    assert (sampled.status, codes(sampled.reasons)) == (Status.PENDING, ["audit_sample"])
    assert sampled.audit_sample and sampled.automatic_status == machine == sampled.machine_status
    not_drawn = decide_submission(facts(score, audit_draw=0.5), policy(audit_sample_rate=0.02))
    assert not_drawn.status == machine and not not_drawn.audit_sample


def test_comments_already_waiting_are_never_audit_samples() -> None:
    decision = decide_submission(facts(0.5, audit_draw=0.0), policy(audit_sample_rate=1.0))
    assert codes(decision.reasons) == ["score_borderline"] and not decision.audit_sample


# --- the use case: score, decide, store, audit ---------------------------------------------------------------------


def payload(**changes: Any) -> dict[str, Any]:
    base = {"article_id": "a/1", "author_name": "Ada", "author_email": "ada@example.org", "body": "A calm remark."}
    return {**base, **changes}


def submit(app: Flask, scorer: FakeScorer, current: Policy | None = None, **changes: Any) -> moderation.Submission:
    with app.app_context():
        return moderation.submit_comment(payload(**changes), scorer=scorer, policy=current or policy())


def test_a_low_score_is_published_and_stored_with_score_model_and_policy_version(
    app: Flask, fake_scorer: FakeScorer
) -> None:
    submission = submit(app, fake_scorer)
    assert submission.status == Status.PUBLISHED and submission.message == moderation.STATUS_MESSAGES[Status.PUBLISHED]
    comment = stored_comment(app, submission.comment_id)
    assert (comment.status, comment.score, comment.model_version, comment.policy_version) == (
        Status.PUBLISHED,
        0.05,
        "fake-1",
        3,
    )
    assert fake_scorer.scored == ["A calm remark."]
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.comment_id == submission.comment_id)).one()
        assert (event.action, event.to_status, event.actor) == ("comment.submitted", "published", "system")


def test_a_comment_held_by_a_category_keeps_the_words_behind_that_category_only(
    app: Flask, fake_scorer: FakeScorer
) -> None:
    held = submit(app, fake_scorer, policy(category_thresholds={"abuse": {"hold_at": 0.01}}), body="Burn it all")
    published = submit(app, fake_scorer, body="Burn it all again")
    comment = stored_comment(app, held.comment_id)
    assert held.status == Status.PENDING and codes(comment.reasons) == ["category_abuse"]
    # Only the category that held it is explained (spam, also scored, is not), by the scorer that scored it.
    assert comment.category_explanations == {"abuse": [{"term": "Burn", "weight": 1.0, "start": 0, "end": 4}]}
    assert (
        published.status == Status.PUBLISHED and stored_comment(app, published.comment_id).category_explanations == {}
    )


def test_a_comment_the_scorer_could_not_score_is_stored_pending_unscored(app: Flask) -> None:
    submission = submit(app, FakeScorer(probability=None))
    comment = stored_comment(app, submission.comment_id)
    assert (comment.status, comment.score, comment.model_version) == (Status.PENDING, None, None)
    assert codes(comment.reasons) == ["unscored"]


def test_a_rejected_comment_tells_the_reader_why(app: Flask) -> None:
    submission = submit(app, FakeScorer(probability=0.95))
    assert submission.status == Status.REJECTED and codes(submission.public_reasons) == ["score_high"]


def test_repeats_of_one_comment_share_one_campaign_named_after_the_first(app: Flask, fake_scorer: FakeScorer) -> None:
    body = "Vote for the list number seven, the only honest list in this election!"
    first = submit(app, fake_scorer, body=body, author_email="a@example.org")
    second = submit(app, fake_scorer, body=body, author_email="b@example.org")
    third = submit(app, fake_scorer, body=body + "!", author_email="c@example.org")
    assert first.status == Status.PUBLISHED
    assert second.status == third.status == Status.PENDING and "duplicate" in codes(second.reasons)
    campaign = f"campaign-{first.comment_id}"
    assert [stored_comment(app, s.comment_id).campaign_id for s in (first, second, third)] == [campaign] * 3


def test_the_shadow_score_is_stored_but_never_decides(app: Flask) -> None:
    submission = submit(app, FakeScorer(probability=0.05, shadow_probability=0.99))
    comment = stored_comment(app, submission.comment_id)
    assert comment.status == Status.PUBLISHED
    assert (comment.shadow_score, comment.shadow_model_version) == (0.99, "fake-shadow")


def test_replies_must_name_a_published_comment_of_the_same_article(app: Flask) -> None:
    published = submit(app, FakeScorer(0.05)).comment_id
    pending = submit(app, FakeScorer(0.5), body="Another remark.").comment_id
    assert submit(app, FakeScorer(0.05), parent_id=published, body="I agree.").status == Status.PUBLISHED
    for parent_id, message in [
        (999_999, "No comment with this id."),
        (pending, "Replies are only possible to published comments."),
    ]:
        with pytest.raises(InvalidFields) as refused:
            submit(app, FakeScorer(0.05), parent_id=parent_id, body="A reply.")
        assert refused.value.fields == {"parent_id": [message]}
    with pytest.raises(InvalidFields) as elsewhere:
        submit(app, FakeScorer(0.05), parent_id=published, article_id="a/2", body="A reply.")
    assert elsewhere.value.fields == {"parent_id": ["The parent comment belongs to another article."]}


def test_a_closed_article_takes_no_comment_and_stores_nothing(app: Flask, fake_scorer: FakeScorer) -> None:
    with pytest.raises(ArticleClosed):
        submit(app, fake_scorer, article_id="closed")
    assert fake_scorer.scored == []
    with app.app_context():
        assert db.session.scalars(select(Comment)).all() == []
