"""Right-to-left in Chromium: the Arabic article (desktop and 360 px), its counter and form, and a moderator queue
mixing Arabic and English comments with their highlighted words in place."""

from __future__ import annotations

import re
from typing import Any

import pytest

from service.auth import Role
from service.extensions import db
from service.records import Comment
from service.routes.pages import DEMO_ARTICLE_ID_AR, MONTHS_AR
from service.text import BODY_LIMIT, character_count
from tests.browser.conftest import LiveServer, screenshot
from tests.conftest import good_comment, set_policy

pytestmark = pytest.mark.browser

# "أ" typed as alef + combining hamza (NFC makes it one code point) and an emoji outside the BMP (two UTF-16 units,
# one code point): the counter must count both as the server does.
TYPED = "الا\u0654من أولاً 🙂"
ARABIC_COMMENT = "نتمنى أن تعود الطرق آمنة قريبًا، فالمزارعون بحاجة إلى الوصول إلى حقولهم."
ENGLISH_ON_ARABIC = "Good that the roads are open again; stay safe, Diyala."


def _policy(server: LiveServer, **changes: object) -> dict[str, str]:
    client = server.app.test_client()
    admin = server.headers(server.token("policy-admin", Role.ADMIN))
    set_policy(client, {"admin": admin}, audit_sample_rate=0.0, **changes)
    return admin


def _post(server: LiveServer, **fields: Any) -> int:
    response = server.app.test_client().post("/api/v1/comments", json=good_comment(**fields))
    assert response.status_code == 201, response.get_json()
    comment_id: int = response.get_json()["id"]
    return comment_id


def _direction(locator: Any) -> str:
    direction: str = locator.evaluate("node => getComputedStyle(node).direction")
    return direction


def test_arabic_article_desktop_counter_form_and_posting(page: Any, live_server: LiveServer) -> None:
    _policy(live_server, publish_below=1.0, reject_at=1.0)
    _post(live_server, article_id=DEMO_ARTICLE_ID_AR, author_name="Sam Carter", body=ENGLISH_ON_ARABIC)
    page.goto(live_server.url + "/demo/article/ar")
    assert page.evaluate("[document.documentElement.lang, document.documentElement.dir]") == ["ar", "rtl"]
    assert page.locator(".legend-note").inner_text() == "* يشير إلى حقل مطلوب"
    assert page.locator(".policy summary").inner_text() == "سياسة التعليقات"
    counter = page.locator("[data-counter]")
    assert counter.inner_text().startswith("1500 / 1500")

    # An English comment on the Arabic page reads left to right; the script-built list keeps the dir="auto".
    listed_english = page.locator(".comment-list .body", has_text="stay safe")
    listed_english.wait_for()
    assert _direction(listed_english) == "ltr"

    body = page.locator("#body")
    body.press_sequentially(TYPED)
    expected = BODY_LIMIT - character_count(TYPED)
    assert expected == BODY_LIMIT - 13  # 5 + 1 + 5 + 1 + 1: the hamza composes, the emoji is one
    page.wait_for_function(
        "left => document.querySelector('[data-counter-value]').textContent === String(left)", arg=expected
    )
    assert counter.inner_text().startswith(f"{expected} / 1500")
    assert _direction(body) == "rtl"

    # Mirrored layout: labels start at the right edge of the form, the counter sits at the end (left) of its field.
    field_box = body.bounding_box()
    label_box = page.locator("label[for=body]").bounding_box()
    value_box = page.locator("[data-counter-value]").bounding_box()
    assert abs((label_box["x"] + label_box["width"]) - (field_box["x"] + field_box["width"])) < 2
    assert value_box["x"] < field_box["x"] + field_box["width"] / 2

    # A missing name: the API's English field message is shown in Arabic next to the field.
    page.fill("#author_email", "ahmed@example.org")
    page.click("[data-submit]")
    error = page.locator("#author_name-error")
    error.wait_for(state="visible")
    assert error.inner_text() == "هذا الحقل مطلوب."

    page.fill("#author_name", "أحمد العبيدي")
    assert _direction(page.locator("#author_name")) == "rtl"
    assert _direction(page.locator("#author_email")) == "ltr"
    body.fill(ARABIC_COMMENT)
    page.click("[data-submit]")
    outcome = page.locator("[data-outcome]")
    outcome.wait_for(state="visible")
    assert outcome.locator("h3").inner_text() == "تم النشر"
    assert outcome.locator("p").inner_text() == "نُشر تعليقك."
    listed = page.locator(".comment-list .body", has_text="فالمزارعون")
    listed.wait_for()
    assert _direction(listed) == "rtl"
    assert page.locator(".comment-count").inner_text() == "عدد النقاشات: 2"
    # The re-rendered list prints dates as the server does: Western digits, Iraqi month names.
    stamp = re.fullmatch(
        r"(\d{1,2}) (.+) (\d{4})، (\d\d:\d\d) UTC", page.locator(".comment-list time").first.inner_text()
    )
    assert stamp and stamp.group(2) in MONTHS_AR
    page.locator(".comments").scroll_into_view_if_needed()
    screenshot(page, "arabic-article-desktop")


def test_arabic_article_at_360_px_does_not_overflow_and_shows_the_counter(
    browser: Any, live_server: LiveServer
) -> None:
    _policy(live_server, publish_below=1.0, reject_at=1.0)
    _post(live_server, article_id=DEMO_ARTICLE_ID_AR, author_name="سعد", body=ARABIC_COMMENT)
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    try:
        page.goto(live_server.url + "/demo/article/ar")
        page.locator(".comment-list .body", has_text="فالمزارعون").wait_for()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, f"page scrolls sideways at 360 px ({width} px wide)"
        counter = page.locator("[data-counter]")
        counter.scroll_into_view_if_needed()
        box = counter.bounding_box()
        assert counter.is_visible() and box["x"] >= 0 and box["x"] + box["width"] <= 360
        page.locator("#body").press_sequentially("🙂🙂")
        page.wait_for_function("document.querySelector('[data-counter-value]').textContent === '1498'")
        screenshot(page, "arabic-article-360")
    finally:
        context.close()


def _explain(server: LiveServer, comment_id: int, words: dict[str, float]) -> None:
    """Give a stored comment explanation spans at code-point offsets (as the scorer writes them) for `words`.

    The test model is English-only, so it has no Arabic terms to explain; the page's job tested here is placing
    whatever spans the scorer stores."""
    with server.app.app_context():
        comment = db.session.get(Comment, comment_id)
        assert comment is not None
        spans = []
        for word, weight in words.items():
            start = comment.body.index(word)
            spans.append({"term": word, "weight": weight, "start": start, "end": start + len(word)})
        comment.explanation = spans
        db.session.commit()
        db.session.remove()


def test_moderator_queue_mixing_arabic_and_english(page: Any, live_server: LiveServer) -> None:
    _policy(live_server, publish_below=0.0, reject_at=1.0)
    arabic_body = "😡 المسؤولون أغبياء ولا يحمون القرى"
    arabic = _post(live_server, article_id=DEMO_ARTICLE_ID_AR, author_name="أبو علي", body=arabic_body)
    _explain(live_server, arabic, {"أغبياء": 1.1, "القرى": -0.3})
    english = _post(live_server, author_name="Sam Carter", body="🙂🙂 What idiots run this checkpoint")
    _explain(live_server, english, {"idiots": 0.9})
    _post(live_server, article_id=DEMO_ARTICLE_ID_AR, author_name="Mona", body="Thank you for the Arabic edition.")

    page.goto(live_server.url + "/moderate")
    page.fill("#token", live_server.token("rtl-moderator", Role.MODERATOR))
    page.click("form button[type=submit]")
    page.locator("[data-claim]").first.click()
    arabic_card = page.locator(f"#item-{arabic}")
    arabic_card.wait_for()
    english_card = page.locator(f"#item-{english}")

    arabic_text = arabic_card.locator("[data-body]")
    assert _direction(arabic_text) == "rtl"
    assert _direction(arabic_card.locator(".author")) == "rtl"
    assert _direction(english_card.locator("[data-body]")) == "ltr"
    assert arabic_text.text_content() == arabic_body
    assert arabic_card.locator("mark").all_inner_texts() == ["أغبياء", "القرى"]
    # Two emoji before the word: UTF-16 offsets would land two units early ("s id" instead of "idiots").
    assert english_card.locator("mark").all_inner_texts() == ["idiots"]
    assert english_card.locator("mark.term-up").count() == 1

    # In place, right to left: both marks on the body's line, the earlier word to the right of the later one.
    body_box = arabic_text.bounding_box()
    first, second = (arabic_card.locator("mark").nth(n).bounding_box() for n in (0, 1))
    for box in (first, second):
        assert body_box["x"] <= box["x"] and box["x"] + box["width"] <= body_box["x"] + body_box["width"] + 1
    assert abs(first["y"] - second["y"]) < 2
    assert first["x"] > second["x"]
    # The Arabic body starts at the right edge of its card.
    words = arabic_text.evaluate(
        "node => { const range = document.createRange(); range.selectNodeContents(node);"
        " return range.getBoundingClientRect().right; }"
    )
    assert abs(words - (body_box["x"] + body_box["width"])) < 2
    screenshot(page, "moderate-mixed", full_page=False)
