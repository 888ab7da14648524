"""The nudge before posting in Chromium: the note names the reasons and words; the reader edits, or posts anyway
and the comment is recorded as nudged."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from service.auth import Role
from service.extensions import db
from service.records import Comment
from tests.browser.conftest import LiveServer, screenshot
from tests.conftest import set_policy

pytestmark = pytest.mark.browser

RUDE = "Only a scoundrel would block the checkpoint road for the farmers."
POLITE = "Blocking the checkpoint road for the farmers was a poor decision."
RUDE_AR = "هذا القرار غبي ولا يخدم المزارعين في ديالى."


def _policy(server: LiveServer, **changes: object) -> None:
    client = server.app.test_client()
    admin = server.headers(server.token("policy-admin", Role.ADMIN))
    set_policy(client, {"admin": admin}, audit_sample_rate=0.0, publish_below=1.0, reject_at=1.0, **changes)


def _fill(page: Any, body: str) -> None:
    page.fill("#author_name", "Ada Lovelace")
    page.fill("#author_email", "ada@example.org")
    page.fill("#body", body)


def _stored(server: LiveServer) -> list[tuple[str, str, bool]]:
    with server.app.app_context():
        rows = [(c.body, c.status, c.nudged) for c in db.session.scalars(select(Comment).order_by(Comment.id))]
        db.session.remove()
    return rows


def test_nudge_then_edit_publishes_the_edited_comment_unflagged(page: Any, live_server: LiveServer) -> None:
    _policy(live_server, suspect_terms=["scoundrel"])
    page.goto(live_server.url + "/demo/article")
    _fill(page, RUDE)
    page.click("[data-submit]")
    note = page.locator("[data-nudge]")
    note.wait_for(state="visible")
    assert "Before you post" in note.inner_text()
    assert "needs a person's review" in note.inner_text()
    assert page.locator("[data-nudge-words]").inner_text() == "scoundrel"
    note.scroll_into_view_if_needed()
    screenshot(page, "article-nudge", full_page=False)
    assert _stored(live_server) == []  # the check stored nothing

    page.click("[data-nudge-edit]")
    assert note.is_hidden()
    assert page.evaluate("document.activeElement.id") == "body"
    page.fill("#body", POLITE)
    page.click("[data-submit]")
    page.locator("[data-outcome]", has_text="Published").wait_for()
    assert _stored(live_server) == [(POLITE, "published", False)]


def test_post_anyway_is_held_and_recorded_as_nudged(page: Any, live_server: LiveServer) -> None:
    _policy(live_server, suspect_terms=["scoundrel"])
    page.goto(live_server.url + "/demo/article")
    _fill(page, RUDE)
    page.click("[data-submit]")
    page.locator("[data-nudge]").wait_for(state="visible")
    page.click("[data-nudge-post]")
    outcome = page.locator("[data-outcome]")
    outcome.wait_for(state="visible")
    assert "Awaiting moderation" in outcome.inner_text()
    assert page.locator("[data-nudge]").is_hidden()
    screenshot(page, "article-nudge-posted-anyway", full_page=False)
    assert _stored(live_server) == [(RUDE, "pending", True)]


def test_arabic_edition_shows_the_nudge_in_arabic(page: Any, live_server: LiveServer) -> None:
    _policy(live_server, suspect_terms=["غبي"])
    page.goto(live_server.url + "/demo/article/ar")
    _fill(page, RUDE_AR)
    page.click("[data-submit]")
    note = page.locator("[data-nudge]")
    note.wait_for(state="visible")
    assert "قبل أن تنشر" in note.inner_text()
    assert "يحتوي التعليق على كلمة تحتاج إلى مراجعة أحد المشرفين." in note.inner_text()
    assert page.locator("[data-nudge-words]").inner_text() == "غبي"
    note.scroll_into_view_if_needed()
    screenshot(page, "article-ar-nudge", full_page=False)
