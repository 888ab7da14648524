"""Editing a comment just posted, in Chromium: the edit is decided again; a held edit hides the comment."""

from __future__ import annotations

from typing import Any

import pytest

from service.auth import Role
from tests.browser.conftest import LiveServer, screenshot
from tests.conftest import set_policy

pytestmark = pytest.mark.browser

FIRST = "The checkpoint queues were long but the soldiers were polite."
FIXED = "The checkpoint queues were long, but the soldiers were polite and quick."


def _post(page: Any, server: LiveServer, **policy: object) -> None:
    client = server.app.test_client()
    admin = server.headers(server.token("policy-admin", Role.ADMIN))
    set_policy(client, {"admin": admin}, audit_sample_rate=0.0, publish_below=1.0, reject_at=1.0, **policy)
    page.goto(server.url + "/demo/article")
    page.fill("#author_name", "Ada Lovelace")
    page.fill("#author_email", "ada@example.org")
    page.fill("#body", FIRST)
    page.click("[data-submit]")
    page.locator(".comment-list .body", has_text="soldiers were polite").wait_for()


def test_an_edit_of_a_published_comment_is_published_in_place(page: Any, live_server: LiveServer) -> None:
    _post(page, live_server)
    page.click("[data-edit-comment]")
    editor = page.locator("[data-edit-body]")
    assert editor.input_value() == FIRST
    editor.fill(FIXED)
    page.locator("[data-editor]").scroll_into_view_if_needed()
    screenshot(page, "article-edit", full_page=False)
    page.click("[data-edit-save]")
    page.locator(".comment-list .body", has_text="polite and quick").wait_for()
    assert "Published" in page.locator("[data-outcome]").inner_text()
    assert page.locator(".comment-list .body").count() == 1
    # Still within the window: the author may edit again.
    assert page.locator("[data-edit-comment]").is_visible()


def test_an_edit_that_is_held_hides_the_comment_until_a_moderator_decides(page: Any, live_server: LiveServer) -> None:
    _post(page, live_server, suspect_terms=["lawsuit"])
    page.click("[data-edit-comment]")
    page.fill("[data-edit-body]", FIRST + " They deserve a lawsuit.")
    page.click("[data-edit-save]")
    page.locator("[data-withdrawn]").wait_for()
    assert "Awaiting moderation" in page.locator("[data-outcome]").inner_text()
    page.locator(".comment-list .empty").wait_for()
    page.locator("[data-outcome]").scroll_into_view_if_needed()
    screenshot(page, "article-edit-withdrawn", full_page=False)
