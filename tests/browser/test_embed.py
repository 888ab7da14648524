"""/embed.js on another site's page: the comment section appears and posts cross-origin (CORS from config)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

import pytest
from werkzeug.serving import make_server

from service.auth import Role
from tests.browser.conftest import LiveServer, screenshot
from tests.conftest import set_policy

pytestmark = pytest.mark.browser


def _host_page(moderato: str) -> Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]:
    html = (
        "<!doctype html><html lang=en><head><meta charset=utf-8><title>Another site</title>"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<link rel="stylesheet" href="{moderato}/static/site.css"><link rel="icon" href="data:,"></head>'
        "<body><main><h1>Another site's article</h1><p>The comments below come from Moderato.</p>"
        '<div data-moderato-article="news-example/story-1"></div>'
        f'<script src="{moderato}/embed.js"></script></main></body></html>'
    ).encode()

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        return [html]

    return app


def test_embedded_section_posts_and_lists_comments_from_another_origin(page: Any, live_server: LiveServer) -> None:
    client = live_server.app.test_client()
    admin = live_server.headers(live_server.token("embed-admin", Role.ADMIN))
    set_policy(client, {"admin": admin}, publish_below=1.0, reject_at=1.0, audit_sample_rate=0.0)
    host = make_server("127.0.0.1", 0, _host_page(live_server.url))
    thread = threading.Thread(target=host.serve_forever, daemon=True)
    thread.start()
    origin = f"http://127.0.0.1:{host.server_port}"
    live_server.app.config["MODERATO"]["web"]["allowed_origins"] = [origin]
    try:
        page.goto(origin + "/story")
        page.get_by_label("Name").fill("Grace Hopper")
        page.get_by_label("E-mail (never published)").fill("grace@example.org")
        page.locator("[data-moderato-section] textarea[name=body]").fill("Posted from an embedding site.")
        page.get_by_role("button", name="Post comment").click()
        page.locator("[data-outcome]", has_text="Published").wait_for()
        page.locator(".comment-list .body", has_text="embedding site").wait_for()
        screenshot(page, "embed-other-origin")
    finally:
        host.shutdown()
        host.server_close()
        thread.join(timeout=5)
