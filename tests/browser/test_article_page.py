"""The demo article's comment section in Chromium: counter, field errors, publishing, moderation round trip."""

from __future__ import annotations

import pytest

from service.auth import Role
from tests.browser.conftest import LiveServer, screenshot
from tests.conftest import set_policy

pytestmark = pytest.mark.browser


def _policy(server: LiveServer, **changes: object) -> None:
    client = server.app.test_client()
    admin = server.headers(server.token("policy-admin", Role.ADMIN))
    set_policy(client, {"admin": admin}, audit_sample_rate=0.0, **changes)


def _fill(page: object, name: str = "Ada Lovelace", email: str = "ada@example.org", body: str = "") -> None:
    page.fill("#author_name", name)  # type: ignore[attr-defined]
    page.fill("#author_email", email)  # type: ignore[attr-defined]
    page.fill("#body", body)  # type: ignore[attr-defined]


def test_counter_goes_negative_and_red_and_blocks_submit_past_1500(page: object, live_server: LiveServer) -> None:
    page.goto(live_server.url + "/demo/article")  # type: ignore[attr-defined]
    counter = page.locator("[data-counter]")  # type: ignore[attr-defined]
    assert counter.inner_text().startswith("1500 / 1500")
    # "é" as e + combining accent is one character after NFC, as the server counts it; CRLF counts as one.
    page.fill("#body", "e\u0301" * 10 + "\r\n" + "x" * 1489)  # type: ignore[attr-defined]
    assert counter.inner_text().startswith("0 / 1500")
    page.locator("#body").press("End")  # type: ignore[attr-defined]
    page.keyboard.type("ab")  # type: ignore[attr-defined]
    assert counter.inner_text().startswith("-2 / 1500")
    assert "over" in (counter.get_attribute("class") or "")
    color = counter.evaluate("node => getComputedStyle(node).color")
    assert color == "rgb(176, 0, 32)"
    assert page.locator("[data-submit]").is_disabled()  # type: ignore[attr-defined]
    page.locator("#body").scroll_into_view_if_needed()  # type: ignore[attr-defined]
    screenshot(page, "article-counter-over-limit")


def test_missing_field_shows_the_error_next_to_the_field(page: object, live_server: LiveServer) -> None:
    page.goto(live_server.url + "/demo/article")  # type: ignore[attr-defined]
    _fill(page, name="", body="A comment without a name.")
    page.click("[data-submit]")  # type: ignore[attr-defined]
    error = page.locator("#author_name-error")  # type: ignore[attr-defined]
    error.wait_for(state="visible")
    assert error.inner_text() == "Missing data for required field."
    assert page.locator("#author_name").get_attribute("aria-invalid") == "true"  # type: ignore[attr-defined]
    page.locator("#comment-form").scroll_into_view_if_needed()  # type: ignore[attr-defined]
    screenshot(page, "article-missing-field")


def test_good_comment_is_published_and_listed(page: object, live_server: LiveServer) -> None:
    _policy(live_server, publish_below=1.0, reject_at=1.0)
    page.goto(live_server.url + "/demo/article")  # type: ignore[attr-defined]
    screenshot(page, "article-page")
    _fill(page, body="Good that the roads are being secured, but farmers need to reach their fields.")
    page.click("[data-submit]")  # type: ignore[attr-defined]
    outcome = page.locator("[data-outcome]")  # type: ignore[attr-defined]
    outcome.wait_for(state="visible")
    assert "Published" in outcome.inner_text()
    listed = page.locator(".comment-list .comment .body", has_text="farmers need")  # type: ignore[attr-defined]
    listed.wait_for()
    screenshot(page, "article-published")


def test_good_comment_on_a_phone_sized_screen(browser: object, live_server: LiveServer) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 740})  # type: ignore[attr-defined]
    page = context.new_page()
    page.goto(live_server.url + "/demo/article")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"page scrolls sideways at 360 px ({width} px wide)"
    screenshot(page, "article-360px")
    context.close()


def test_borderline_comment_is_approved_with_the_keyboard_and_appears_on_the_article(
    page: object, live_server: LiveServer
) -> None:
    _policy(live_server, publish_below=0.0, reject_at=1.0)
    page.goto(live_server.url + "/demo/article")  # type: ignore[attr-defined]
    _fill(page, body="Borderline thoughts about the checkpoint delays.")
    page.click("[data-submit]")  # type: ignore[attr-defined]
    # A borderline score would hold it: the reader is nudged first, and posts it anyway.
    page.click("[data-nudge-post]")  # type: ignore[attr-defined]
    outcome = page.locator("[data-outcome]")  # type: ignore[attr-defined]
    outcome.wait_for(state="visible")
    assert "Awaiting moderation" in outcome.inner_text()
    screenshot(page, "article-awaiting-moderation")

    page.goto(live_server.url + "/moderate")  # type: ignore[attr-defined]
    page.fill("#token", live_server.token("moderator", Role.MODERATOR))  # type: ignore[attr-defined]
    page.click("button[type=submit]")  # type: ignore[attr-defined]
    page.locator("[data-claim]").first.click()  # type: ignore[attr-defined]
    card = page.locator(".card", has_text="checkpoint delays")  # type: ignore[attr-defined]
    card.wait_for()
    screenshot(page, "moderate-queue")
    page.keyboard.press("a")  # type: ignore[attr-defined]
    page.locator(".card.decided", has_text="checkpoint delays").wait_for()  # type: ignore[attr-defined]
    assert "Approved" in card.locator("[data-result]").inner_text()
    screenshot(page, "moderate-approved")

    page.goto(live_server.url + "/demo/article")  # type: ignore[attr-defined]
    page.locator(".comment-list .body", has_text="checkpoint delays").wait_for()  # type: ignore[attr-defined]
