"""Admin language selector and category sliders, and the queue's language and category filters, in Chromium."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from service.auth import Role
from tests.browser.conftest import SCREENSHOTS, LiveServer, screenshot
from tests.pages.test_languages_categories import ARABIC, ENGLISH, queue_mixed, waiting
from tests.routes.test_simulate_categories import seed

pytestmark = pytest.mark.browser


def _sign_in(page: Any, server: LiveServer, path: str, secret: str) -> None:
    page.goto(server.url + path)
    page.fill("#token", secret)
    page.click("form button[type=submit]")
    if path == "/moderate":
        # Loading the queue claims nothing; its claim button (a POST) does.
        page.locator("[data-claim]").first.click()


def _policy(server: LiveServer, admin: dict[str, str]) -> Any:
    return server.app.test_client().get("/api/v1/policy", headers=admin).get_json()


def test_admin_language_selector_and_category_sliders(page: Any, live_server: LiveServer) -> None:
    seed(live_server.app)  # decided comments in English and Arabic with abuse and spam scores
    admin = live_server.headers(live_server.token("seed-admin", Role.ADMIN))
    _sign_in(page, live_server, "/admin", live_server.token("admin-page", Role.ADMIN))
    expect(page.locator("[data-decided]")).to_have_text("7")
    abuse = page.locator("[data-category=abuse]")
    abuse.locator("[data-effect]", has_text="Off").wait_for()

    # Arabic: no thresholds of its own yet; the chart and counts are its comments only.
    page.select_option("#policy-language", "ar")
    expect(page.locator("[data-decided]")).to_have_text("3")
    page.locator("[data-scope-note]", has_text="Arabic uses the general thresholds").wait_for()
    assert page.locator("[data-scope-label]").first.inner_text() == "Arabic (ar)"
    page.focus("#publish-below")
    for _ in range(5):
        page.keyboard.press("ArrowLeft")
    page.click("[data-save-thresholds]")
    page.locator("[data-flash]", has_text="Saved for Arabic").wait_for()
    policy = _policy(live_server, admin)
    general = (policy["publish_below"], policy["reject_at"])
    assert policy["thresholds_by_language"]["ar"] == {
        "publish_below": round(general[0] - 0.05, 2),
        "reject_at": general[1],
    }
    page.locator("[data-scope-note]", has_text="Arabic has its own thresholds").wait_for()

    # An Arabic abuse limit: holding at 0.50 would have held one of its two decided comments with an abuse score.
    abuse.locator("[data-limit-on=hold_at]").check()
    abuse.locator("[data-effect]", has_text="Of 2 decided comments: would hold 1 (people rejected 1)").wait_for()
    page.click("[data-save-categories]")
    page.locator("[data-flash]", has_text="Category limits saved for Arabic").wait_for()
    assert _policy(live_server, admin)["thresholds_by_language"]["ar"]["categories"] == {"abuse": {"hold_at": 0.5}}
    abuse.locator("[data-source]", has_text="Arabic's own limits").wait_for()

    # General: abuse is off there; on at 0.55 it would hold four of six decided comments (0.55 itself included).
    page.select_option("#policy-language", "")
    abuse.locator("[data-effect]", has_text="Off").wait_for()
    assert abuse.locator("[data-limit-out=hold_at]").inner_text() == "off"
    abuse.locator("[data-limit-on=hold_at]").check()
    abuse.locator("[data-limit=hold_at]").focus()
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    assert abuse.locator("[data-limit-out=hold_at]").inner_text() == "0.55"
    abuse.locator("[data-effect]", has_text="Of 6 decided comments: would hold 4 (people rejected 3)").wait_for()
    spam = page.locator("[data-category=spam]")
    spam.locator("[data-limit-on=reject_at]").check()
    spam.locator("[data-effect]", has_text="would reject 1 (people rejected 0)").wait_for()
    page.click("[data-save-categories]")
    page.locator("[data-flash]", has_text="Category limits saved:").wait_for()
    policy = _policy(live_server, admin)
    # The shipped defaults (threat and hate held for a person) stay as they were.
    assert policy["category_thresholds"] == {
        "abuse": {"hold_at": 0.55},
        "spam": {"reject_at": 0.9},
        "threat": {"hold_at": 0.1},
        "hate": {"hold_at": 0.3},
    }

    # Back in Arabic, switching abuse off there stores an explicit "off" over the general limit.
    page.select_option("#policy-language", "ar")
    assert abuse.locator("[data-limit-out=hold_at]").inner_text() == "0.50"
    abuse.locator("[data-limit-on=hold_at]").uncheck()
    abuse.locator("[data-source]", has_text="Arabic's own limits").wait_for()
    page.click("[data-save-categories]")
    page.locator("[data-flash]", has_text="Category limits saved for Arabic").wait_for()
    assert _policy(live_server, admin)["thresholds_by_language"]["ar"]["categories"] == {"abuse": {}}

    page.select_option("#unsupported-language", "reject")
    page.click("[data-save-unsupported]")
    page.locator("[data-flash]", has_text="Unsupported languages: rejected").wait_for()
    assert _policy(live_server, admin)["unsupported_language"] == "reject"

    page.select_option("#policy-language", "")
    abuse.locator("[data-effect]", has_text="would hold 4").wait_for()
    page.locator("[data-languages]").scroll_into_view_if_needed()
    screenshot(page, "admin-languages-categories")
    page.locator("[data-categories]").screenshot(path=str(SCREENSHOTS / "admin-category-limits.png"))


def test_queue_language_and_category_filters(page: Any, live_server: LiveServer) -> None:
    client = live_server.app.test_client()
    admin = live_server.headers(live_server.token("seed-admin", Role.ADMIN))
    queue_mixed(client, {"admin": admin})
    stored = waiting(live_server.app)
    _sign_in(page, live_server, "/moderate", live_server.token("filter-moderator", Role.MODERATOR))
    page.locator(".card").nth(len(ENGLISH) + len(ARABIC) - 1).wait_for()

    page.select_option("#filter-language", "ar")
    page.click("[data-filters] button[type=submit]")
    page.locator("[data-filter-note]", has_text="in Arabic").wait_for()
    shown = [int(i) for i in page.locator(".card").evaluate_all("cards => cards.map(c => c.dataset.id)")]
    assert shown == [c.id for c in stored if c.language == "ar"]
    badges = page.locator(".card [data-language]")
    assert [badges.nth(i).get_attribute("title") for i in range(badges.count())] == ["Arabic"] * len(ARABIC)

    page.select_option("#filter-category", "abuse")
    page.check("[data-filters] input[name=triggered]")
    page.click("[data-filters] button[type=submit]")
    page.locator("[data-filter-note]", has_text="that the abuse limit held").wait_for()
    assert page.locator(".card").count() == len(ARABIC)
    assert page.locator(".card [data-triggered=abuse]").count() == len(ARABIC)
    # Each card says which words drove the score of the category that held it.
    expect(page.locator(".card [data-category-words=abuse] mark").first).to_be_visible()
    assert "language=ar" in page.url and "category=abuse" in page.url and "triggered=1" in page.url

    # A decision from the filtered view works on an unclaimed item.
    first = page.locator(".card").first
    first.locator("[data-action=approve]").click()
    first.locator("[data-result]", has_text="Approved").wait_for()
    screenshot(page, "moderate-filters")

    page.click("text=Clear filters")
    page.wait_for_url(live_server.url + "/moderate")
    assert page.locator("[data-filter-note]").count() == 0
    assert page.locator(".card").count() == len(ENGLISH) + len(ARABIC) - 1
