"""A bilingual site through the API: each comment's language is identified and stored, Arabic is scored by the
Arabic model, and a language no model covers is never published automatically."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import good_comment, set_policy, stored_comment

Tokens = dict[str, dict[str, str]]

UNSUPPORTED = {
    "fa": "به نظر من این تصمیم دولت برای انتخابات کاملاً اشتباه است و مردم ناراضی هستند",
    "ku": "ئەم بڕیارە زۆر هەڵەیە و خەڵک ناڕازین لە حکومەت",
    "zh": "我认为这个决定是错误的，人们对政府很不满意。",
    "ar-Latn": "wallah hayda el 2arar ghalat w ma 7ada bya3ref shi",
}


def post(client: FlaskClient, body: str, **changes: Any) -> Any:
    response = client.post("/api/v1/comments", json=good_comment(body=body, **changes))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


@pytest.mark.parametrize("language", sorted(UNSUPPORTED))
def test_a_comment_in_a_language_no_model_covers_waits_for_a_person(
    app: Flask, client: FlaskClient, tokens: Tokens, language: str
) -> None:
    # Even a policy that would publish every scored comment cannot publish these.
    set_policy(client, tokens, publish_below=1.0, reject_at=1.0)
    created = post(client, UNSUPPORTED[language])
    assert created["status"] == "pending"
    comment = stored_comment(app, created["id"])
    assert [reason["code"] for reason in comment.reasons] == ["unsupported_language"]
    assert comment.score is None and comment.model_version is None


def test_the_unsupported_language_setting_can_reject_instead(client: FlaskClient, tokens: Tokens) -> None:
    set_policy(client, tokens, unsupported_language="reject")
    created = post(client, UNSUPPORTED["fa"])
    assert created["status"] == "rejected"
    assert [reason["code"] for reason in created["reasons"]] == ["unsupported_language"]


def test_an_arabic_insult_is_scored_by_the_arabic_model_and_not_published(app: Flask, client: FlaskClient) -> None:
    created = post(client, "أنت غبي وحقير ويجب أن تموت")
    assert created["language"] == "ar" and created["status"] != "published"
    comment = stored_comment(app, created["id"])
    assert comment.language == "ar" and comment.score is not None and comment.model_version == "2026-01-01.1"
    assert {reason["code"] for reason in comment.reasons} & {"score_high", "score_borderline"}


def test_arabic_comments_use_the_arabic_thresholds(app: Flask, client: FlaskClient, tokens: Tokens) -> None:
    set_policy(client, tokens, thresholds_by_language={"ar": {"publish_below": 0.0, "reject_at": 1.0}})
    arabic = post(client, "شكرا على التقرير الواضح عن الانتخابات في المحافظة")
    english = post(client, "Thanks for the clear report on the provincial elections.")
    assert (arabic["language"], arabic["status"]) == ("ar", "pending")  # nothing is below 0.0
    assert (english["language"], english["status"]) == ("en", "published")


def test_english_comments_behave_as_before(app: Flask, client: FlaskClient) -> None:
    created = post(client, "Good to see the bridge open again before the winter market.")
    assert (created["language"], created["status"]) == ("en", "published")
    assert stored_comment(app, created["id"]).language == "en"


def test_language_is_shown_in_the_article_list_and_the_queue(client: FlaskClient, tokens: Tokens) -> None:
    set_policy(client, tokens, premoderated_articles=["held"])
    published = post(client, "Good to see the bridge open again before the winter market.", article_id="open")
    listed = client.get("/api/v1/articles/open/comments").get_json()["items"]
    assert [(item["id"], item["language"]) for item in listed] == [(published["id"], "en")]
    waiting = post(client, "شكرا على التقرير الواضح عن الانتخابات في المحافظة", article_id="held")
    queue = client.get("/api/v1/queue", headers=tokens["moderator"]).get_json()["items"]
    assert [(item["id"], item["language"]) for item in queue] == [(waiting["id"], "ar")]
