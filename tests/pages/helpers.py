"""Helpers for page tests: read the CSRF token off a page, sign in with a token, claim from /moderate."""

from __future__ import annotations

import re

from flask.testing import FlaskClient


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html) or re.search(
        r'name="csrf-token" content="([^"]+)"', html
    )
    assert match, "page has no CSRF token"
    return match.group(1)


def bearer_secret(headers: dict[str, str]) -> str:
    return headers["Authorization"].removeprefix("Bearer ")


def sign_in(client: FlaskClient, secret: str, next_url: str = "/moderate") -> str:
    """Sign in through the form and return the signed-in page's CSRF token."""
    page = client.get(next_url).get_data(as_text=True)
    response = client.post("/sign-in", data={"token": secret, "next": next_url, "csrf_token": csrf_from(page)})
    assert response.status_code == 303, response.get_data(as_text=True)
    return csrf_from(client.get(next_url).get_data(as_text=True))


def claim_page(client: FlaskClient) -> str:
    """Press the queue page's claim button (POST /moderate, then the redirect) and return the page it shows."""
    page = client.get("/moderate").get_data(as_text=True)
    response = client.post("/moderate", data={"csrf_token": csrf_from(page)})
    assert response.status_code == 303, response.get_data(as_text=True)
    return client.get(response.headers["Location"]).get_data(as_text=True)
