"""Admin and moderator pages in Chromium: the what-if chart redraws on a slider move; /moderate with 50 items."""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import pytest

from service.auth import Role
from tests.browser.conftest import SCREENSHOTS, LiveServer, screenshot
from tests.conftest import good_comment, set_policy

pytestmark = pytest.mark.browser


def _queue_comments(server: LiveServer, count: int) -> tuple[dict[str, str], list[int]]:
    client = server.app.test_client()
    admin = server.headers(server.token("seed-admin", Role.ADMIN))
    set_policy(client, {"admin": admin}, publish_below=0.0, reject_at=1.0, audit_sample_rate=0.0)
    ids = []
    for number in range(count):
        body = f"Comment number {number} about the bridge: toll, traffic and market stall {number * 7919}."
        response = client.post("/api/v1/comments", json=good_comment(body=body, author_email=f"r{number}@example.org"))
        assert response.status_code == 201, response.get_json()
        ids.append(response.get_json()["id"])
    return admin, ids


def _sign_in(page: object, server: LiveServer, path: str, secret: str) -> None:
    page.goto(server.url + path)  # type: ignore[attr-defined]
    page.fill("#token", secret)  # type: ignore[attr-defined]
    page.click("form button[type=submit]")  # type: ignore[attr-defined]
    if path == "/moderate":
        # Loading the queue claims nothing; its claim button (a POST) does.
        page.locator("[data-claim]").first.click()  # type: ignore[attr-defined]


def test_admin_slider_redraws_the_chart(page: object, live_server: LiveServer) -> None:
    admin, ids = _queue_comments(live_server, 24)
    client = live_server.app.test_client()
    for index, comment_id in enumerate(ids):
        decision = {"action": "approve"} if index % 2 else {"action": "reject", "reason": "spam"}
        assert client.post(f"/api/v1/comments/{comment_id}/decision", json=decision, headers=admin).status_code == 200
    set_policy(client, {"admin": admin}, publish_below=0.3, reject_at=0.85, suspect_terms=["toll"])

    _sign_in(page, live_server, "/admin", live_server.token("admin-page", Role.ADMIN))
    chart = page.locator("[data-chart]")  # type: ignore[attr-defined]
    chart.locator("rect").first.wait_for()
    page.wait_for_function("document.querySelector('[data-decided]').textContent === '24'")  # type: ignore[attr-defined]
    before = chart.inner_html()
    publish_line = chart.locator("[data-threshold=publish]").get_attribute("x1")
    page.focus("#publish-below")  # type: ignore[attr-defined]
    for _ in range(10):
        page.keyboard.press("ArrowRight")  # type: ignore[attr-defined]
    page.wait_for_function(  # type: ignore[attr-defined]
        "old => document.querySelector('[data-threshold=publish]').getAttribute('x1') !== old", arg=publish_line
    )
    after = chart.inner_html()
    assert after != before
    assert float(chart.locator("[data-threshold=publish]").get_attribute("x1")) > float(publish_line)
    assert page.locator("[data-out=publish_below]").inner_text() == "0.40"  # type: ignore[attr-defined]

    page.click("[data-preview=suspect_terms]")  # type: ignore[attr-defined]
    page.locator("[data-preview-out=suspect_terms] li", has_text="toll: 24 hits").wait_for()  # type: ignore[attr-defined]
    page.fill("#capacity", "500")  # type: ignore[attr-defined]
    page.locator("[data-recommended]", has_text="Publish below").wait_for()  # type: ignore[attr-defined]
    screenshot(page, "admin-page")


def test_moderate_page_load_time_with_50_queued_items(page: object, live_server: LiveServer) -> None:
    """Measures (prints, never asserts on) how long /moderate takes to load with 50 claimed items."""
    _queue_comments(live_server, 50)
    _sign_in(page, live_server, "/moderate", live_server.token("bench-moderator", Role.MODERATOR))
    page.locator(".card").nth(49).wait_for()  # type: ignore[attr-defined]
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        page.goto(live_server.url + "/moderate", wait_until="load")  # type: ignore[attr-defined]
        wall = time.perf_counter() - started
        nav = page.evaluate(  # type: ignore[attr-defined]
            "(() => { const n = performance.getEntriesByType('navigation')[0];"
            " return {ttfb: n.responseStart - n.requestStart, load: n.loadEventEnd - n.startTime}; })()"
        )
        timings.append((wall * 1000, nav["ttfb"], nav["load"]))
    assert page.locator(".card").count() == 50  # type: ignore[attr-defined]
    screenshot(page, "moderate-50-items", full_page=False)
    wall_ms, ttfb_ms, load_ms = (statistics.median(column) for column in zip(*timings, strict=True))
    report = (
        f"/moderate with 50 claimed items, median of 5 loads in headless Chromium against the werkzeug test server "
        f"(SQLite): server response (TTFB) {ttfb_ms:.0f} ms, load event {load_ms:.0f} ms, wall {wall_ms:.0f} ms"
    )
    print(report)
    Path(SCREENSHOTS.parent / "moderate-load.txt").write_text(report + "\n", encoding="utf-8")


def test_keyboard_reject_with_reason_picker_note_help_and_admin_undo(page: object, live_server: LiveServer) -> None:
    admin, ids = _queue_comments(live_server, 3)
    _sign_in(page, live_server, "/moderate", live_server.token("keyboard-admin", Role.ADMIN))
    page.locator(".card").nth(2).wait_for()  # type: ignore[attr-defined]
    # The page script marks the first card current once its key handlers are attached: keys before that are lost.
    page.locator(".card.current").wait_for()  # type: ignore[attr-defined]
    keyboard = page.keyboard  # type: ignore[attr-defined]
    keyboard.press("?")
    page.locator("[data-help-dialog]").wait_for()  # type: ignore[attr-defined]
    screenshot(page, "moderate-help", full_page=False)
    keyboard.press("Escape")
    keyboard.press("j")
    second = page.locator(f"#item-{ids[1]}")  # type: ignore[attr-defined]
    # Waiting selectors, not a read right after the key press: the page script updates the card after the event.
    page.locator(f"#item-{ids[1]}.current").wait_for()  # type: ignore[attr-defined]
    keyboard.press("r")
    page.locator("[data-reject-dialog]").wait_for()  # type: ignore[attr-defined]
    keyboard.press("4")
    screenshot(page, "moderate-reject-picker", full_page=False)
    keyboard.press("Enter")
    page.locator(f"#item-{ids[1]}.decided").wait_for()  # type: ignore[attr-defined]
    second.locator("[data-result]", has_text="Rejected (spam)").wait_for()
    client = live_server.app.test_client()
    assert client.get(f"/api/v1/comments/{ids[1]}/history", headers=admin).get_json()["items"][-1]["reason"] == "spam"
    keyboard.press("u")
    page.locator(f"#item-{ids[1]}:not(.decided)").wait_for()  # type: ignore[attr-defined]
    second.locator("[data-result]", has_text="back to pending").wait_for()
    keyboard.press("n")
    page.fill("#note-text", "Checked with the news desk.")  # type: ignore[attr-defined]
    page.click("[data-note-dialog] button[value=save]")  # type: ignore[attr-defined]
    page.locator("[data-flash]", has_text="Note saved.").wait_for()  # type: ignore[attr-defined]
    notes = client.get(f"/api/v1/comments/{ids[1]}/history", headers=admin).get_json()["notes"]
    assert [note["text"] for note in notes] == ["Checked with the news desk."]
