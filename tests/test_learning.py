"""What the site learns from its moderators: the shadow report counts errors with the one outcome rule (under either
high band), and every site decision keeps its language for training and the promotion gate."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from service import learning
from service.extensions import db
from service.policy import Thresholds, outcome
from service.records import Comment
from service.status import Status
from tests.conftest import good_comment, set_policy

Tokens = dict[str, dict[str, str]]
# (active score, shadow score, people held it?)
HISTORY = [(0.05, 0.95, True), (0.5, 0.02, False), (0.95, 0.6, False), (0.9, 0.97, True), (0.2, 0.85, False)]


@pytest.mark.parametrize("high_band", ["reject", "hold"])
def test_shadow_report_agrees_with_the_outcome_rule(
    app: Flask, client: FlaskClient, tokens: Tokens, high_band: str
) -> None:
    set_policy(client, tokens, premoderated_articles=["shadowed"])
    ids = []
    for n, (score, shadow, held) in enumerate(HISTORY):
        payload = good_comment(
            article_id="shadowed", body=f"Comment number {n} about the vote.", author_email=f"r{n}@example.org"
        )
        comment_id = client.post("/api/v1/comments", json=payload).get_json()["id"]
        with app.app_context():
            db.session.execute(
                update(Comment)
                .where(Comment.id == comment_id)
                .values(score=score, shadow_score=shadow, shadow_model_version="2026-12-01.9")
            )
            db.session.commit()
        action = {"action": "reject", "reason": "abuse"} if held else {"action": "approve", "reason": "acceptable"}
        decided = client.post(f"/api/v1/comments/{comment_id}/decision", json=action, headers=tokens["moderator"])
        assert decided.status_code == 200, decided.get_json()
        ids.append(comment_id)

    thresholds = Thresholds(0.1, 0.8, high_band)
    with app.app_context():
        report = learning.shadow_report("2026-12-01.9", thresholds)

    def expected(column: int) -> dict[str, int]:
        results = [(outcome(row[column], thresholds), row[2]) for row in HISTORY]
        return {
            "wrongly_published": sum(status == Status.PUBLISHED and held for status, held in results),
            "wrongly_rejected": sum(status == Status.REJECTED and not held for status, held in results),
        }

    assert report["decided_since"] == len(HISTORY)
    assert report["errors"] == {"active": expected(0), "shadow": expected(1)}
    if high_band == "hold":
        # Held comments were never rejected, so nothing can be "wrongly rejected".
        assert report["errors"]["active"]["wrongly_rejected"] == report["errors"]["shadow"]["wrongly_rejected"] == 0
    else:
        assert report["errors"]["active"]["wrongly_rejected"] == 1  # 0.95 scored, people approved


def test_site_decisions_keep_their_comment_language_for_training_and_the_gate(
    app: Flask, client: FlaskClient, tokens: Tokens
) -> None:
    set_policy(client, tokens, premoderated_articles=["held"])
    bodies = {
        "en": "The minister's statement about the checkpoint attack leaves many questions open.",
        "ar": "تصريح الوزير عن الهجوم على نقطة التفتيش يترك اسئلة كثيرة بلا جواب",
    }
    languages = {}
    for n in range(10):
        language = "ar" if n % 2 else "en"
        payload = good_comment(article_id="held", body=f"{bodies[language]} {n}", author_email=f"r{n}@example.org")
        comment_id = client.post("/api/v1/comments", json=payload).get_json()["id"]
        action = {"action": "reject", "reason": "abuse"} if n % 3 else {"action": "approve", "reason": "acceptable"}
        client.post(f"/api/v1/comments/{comment_id}/decision", json=action, headers=tokens["moderator"])
        languages[comment_id] = language
    with app.app_context():
        training, holdout = learning.bounded_site_examples()
        held_out = learning.site_holdout()
    assert {e.comment_id: e.language for e in training + holdout} == languages
    assert all(row[4] == languages[e.comment_id] for row, e in zip(learning._rows(training), training, strict=True))
    expected = {}
    for comment_id, language in sorted(languages.items()):
        if learning.is_holdout(comment_id):
            expected.setdefault(language, 0)
            expected[language] += 1
    assert {language: len(texts) for language, (texts, _) in held_out.items()} == expected


def test_decisions_in_a_language_without_a_model_are_counted_not_trained_on(
    app: Flask, client: FlaskClient, tokens: Tokens
) -> None:
    set_policy(client, tokens, premoderated_articles=["held"])
    bodies = [
        "The minister's statement about the checkpoint attack leaves many questions open.",
        "Die Erklärung des Ministers zum Angriff lässt viele Fragen offen, finde ich.",
        "😀😀",
    ]
    for n, body in enumerate(bodies):
        payload = good_comment(article_id="held", body=body, author_email=f"r{n}@example.org")
        comment_id = client.post("/api/v1/comments", json=payload).get_json()["id"]
        decided = client.post(
            f"/api/v1/comments/{comment_id}/decision", json={"action": "approve"}, headers=tokens["moderator"]
        )
        assert decided.status_code == 200, decided.get_json()
    with app.app_context():
        examples = learning.site_examples()
    languages = [e.language for e in examples]
    assert languages[0] == "en" and "en" not in languages[1:] and "ar" not in languages
    assert [row[0] for row in learning._rows(examples)] == [bodies[0]]
    assert learning.other_languages(examples) == {language: languages.count(language) for language in languages[1:]}
