"""The moderator's queue page shows each comment's author record and links to their recent comments."""

from __future__ import annotations

from flask.testing import FlaskClient

from service import authors
from tests.conftest import good_comment, set_policy
from tests.pages.helpers import bearer_secret, claim_page, sign_in


def test_each_card_shows_the_authors_record_and_suspension(
    client: FlaskClient, tokens: dict[str, dict[str, str]]
) -> None:
    set_policy(client, tokens, publish_below=0.0, reject_at=0.0, high_band="reject")
    client.post("/api/v1/comments", json=good_comment(body="A rejected remark about the harbour bridge."))
    set_policy(client, tokens, publish_below=0.0, reject_at=1.0)
    client.post("/api/v1/comments", json=good_comment(body="A held remark about the harbour bridge."))
    key = authors.email_author_key("test-secret", "ada@example.org")
    client.post(f"/api/v1/authors/{key}/suspension", json={"days": 2}, headers=tokens["moderator"])
    sign_in(client, bearer_secret(tokens["moderator"]))
    html = claim_page(client)
    record = html.split("data-author-record>", 1)[1].split("</p>", 1)[0]
    assert "0 published, 1 held," in record and "1 rejected (1 recently)" in record
    assert "suspended until" in record and f'href="/api/v1/authors/{key}"' in record
    # The link opens the record with the page session.
    assert client.get(f"/api/v1/authors/{key}").get_json()["author"]["held"] == 1
