"""Admin page language selector and category sliders; /moderate language and category filters and the category
that triggered, through the real submission path (the tiny bilingual model, the policy's category limits)."""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from service.extensions import db
from service.reasons import CATEGORIES
from service.records import Comment
from tests.conftest import good_comment, set_policy
from tests.pages.helpers import bearer_secret, claim_page, sign_in

Tokens = dict[str, dict[str, str]]

ENGLISH = [
    "The council should publish the bridge repair budget before the vote.",
    "Traffic on the ring road was terrible again this morning, fix it.",
    "Buy cheap watches now at my shop, best prices, click the link!!!",
]
ARABIC = [
    "نريد أن نعرف متى تنتهي أعمال الصيانة على الجسر قبل الشتاء",
    "أنت غبي وحقير ولا تفهم شيئا عن السياسة",
]


def queue_mixed(client: FlaskClient, tokens: Tokens) -> None:
    """Queue English and Arabic comments; only Arabic has a category limit (abuse, held at any score), so every
    Arabic comment carries the reason `category_abuse` and no English one does."""
    set_policy(
        client,
        tokens,
        publish_below=0.0,
        reject_at=1.0,
        audit_sample_rate=0.0,
        thresholds_by_language={
            "ar": {"publish_below": 0.0, "reject_at": 1.0, "categories": {"abuse": {"hold_at": 0.0}}}
        },
    )
    for number, body in enumerate(ENGLISH + ARABIC):
        response = client.post("/api/v1/comments", json=good_comment(body=body, author_email=f"r{number}@example.org"))
        assert response.status_code == 201 and response.get_json()["status"] == "pending", response.get_json()


def waiting(app: Flask) -> list[Comment]:
    with app.app_context():
        rows = list(db.session.scalars(db.select(Comment).order_by(Comment.id)))
        db.session.expunge_all()
        return rows


def card_ids(html: str) -> list[int]:
    return [int(found) for found in re.findall(r'<li class="card"[^>]* data-id="(\d+)"', html)]


def scope_of(html: str) -> Any:
    match = re.search(r'<script type="application/json" id="policy-scope">(.*?)</script>', html, re.S)
    assert match, "admin page has no policy scope"
    return json.loads(match.group(1))


def test_admin_page_offers_each_model_language(app: Flask, client: FlaskClient, tokens: Tokens) -> None:
    set_policy(
        client,
        tokens,
        thresholds_by_language={"ar": {"publish_below": 0.1, "reject_at": 0.7}},
        category_thresholds={"abuse": {"hold_at": 0.6}},
        unsupported_language="reject",
    )
    sign_in(client, bearer_secret(tokens["admin"]), "/admin")
    html = client.get("/admin").get_data(as_text=True)
    with app.app_context():
        from service.web.context import live_models

        model_languages = live_models().languages
    assert set(model_languages) == {"en", "ar"}
    options = dict(re.findall(r'<option value="([a-z]{2,3})">([^<]+)</option>', html))
    assert set(options) == {"en", "ar"}
    assert options["ar"].startswith("Arabic (ar)") and "not scored" not in options["ar"]
    assert '<option value="">All languages (general)</option>' in html
    assert re.search(r'<option value="reject" selected>reject</option>', html)
    scope = scope_of(html)
    assert scope["thresholds_by_language"] == {"ar": {"publish_below": 0.1, "reject_at": 0.7}}
    assert scope["category_thresholds"] == {"abuse": {"hold_at": 0.6}}
    assert [c["name"] for c in scope["categories"]] == list(CATEGORIES)


def test_admin_page_has_a_slider_pair_with_an_off_state_per_category(client: FlaskClient, tokens: Tokens) -> None:
    set_policy(
        client, tokens, category_thresholds={"abuse": {"hold_at": 0.6, "reject_at": 0.95}, "spam": {"hold_at": 0.8}}
    )
    sign_in(client, bearer_secret(tokens["admin"]), "/admin")
    html = client.get("/admin").get_data(as_text=True)
    for name in CATEGORIES:
        assert f'data-category="{name}"' in html
        for key in ("hold_at", "reject_at"):
            assert f'id="cat-{name}-{key}-on" data-limit-on="{key}"' in html
            assert re.search(
                rf'id="cat-{name}-{key}" data-limit="{key}"[^>]*type|type="range" id="cat-{name}-{key}"', html
            )
    assert re.search(r'id="cat-abuse-hold_at-on" data-limit-on="hold_at" checked>', html)
    assert re.search(r'id="cat-abuse-hold_at"[^>]*value="0.6"\s*aria-label', html)
    assert re.search(r'id="cat-spam-reject_at-on" data-limit-on="reject_at">', html)
    assert re.search(r'id="cat-spam-reject_at"[^>]*disabled', html)
    assert 'data-limit-out="reject_at">off</output>' in html
    # The tiny model scores abuse and spam; the other categories are marked as not scored yet.
    threat = html.split('data-category="threat"', 1)[1].split("</legend>", 1)[0]
    spam = html.split('data-category="spam"', 1)[1].split("</legend>", 1)[0]
    assert "not scored yet" in threat and "not scored" not in spam


def test_moderate_filters_by_language_without_claiming(app: Flask, client: FlaskClient, tokens: Tokens) -> None:
    queue_mixed(client, tokens)
    sign_in(client, bearer_secret(tokens["moderator"]))
    html = client.get("/moderate?language=ar").get_data(as_text=True)
    stored = waiting(app)
    arabic = [c.id for c in stored if c.language == "ar"]
    assert len(arabic) == len(ARABIC)
    assert card_ids(html) == arabic
    assert "matching the filter: <strong data-matching>2</strong>" in html
    assert '<option value="ar" selected>Arabic (ar)</option>' in html
    assert all(c.lease_holder is None for c in waiting(app)), "a filtered view must not claim"
    assert card_ids(client.get("/moderate").get_data(as_text=True)) == [], "nothing claimed yet"
    unfiltered = claim_page(client)
    assert sorted(card_ids(unfiltered)) == [c.id for c in stored]
    assert "claimed by you" in unfiltered and "Clear filters" not in unfiltered


def test_moderate_filters_by_top_category_and_by_the_category_that_triggered(
    app: Flask, client: FlaskClient, tokens: Tokens
) -> None:
    queue_mixed(client, tokens)
    sign_in(client, bearer_secret(tokens["moderator"]))
    stored = waiting(app)
    for name in ("abuse", "spam"):
        top = [c.id for c in stored if c.categories and max(c.categories, key=c.categories.__getitem__) == name]
        assert card_ids(client.get(f"/moderate?category={name}").get_data(as_text=True)) == top
    triggered = client.get("/moderate?category=abuse&triggered=1").get_data(as_text=True)
    held_by_abuse = [c.id for c in stored if any(r["code"] == "category_abuse" for r in c.reasons)]
    assert held_by_abuse == [c.id for c in stored if c.language == "ar"]
    assert card_ids(triggered) == held_by_abuse
    assert triggered.count('data-triggered="abuse"') == len(held_by_abuse)
    assert "that the abuse limit held" in triggered


def test_cards_show_the_language_and_the_category_that_triggered(
    app: Flask, client: FlaskClient, tokens: Tokens
) -> None:
    queue_mixed(client, tokens)
    sign_in(client, bearer_secret(tokens["moderator"]))
    html = claim_page(client)
    assert 'data-category-words="abuse"' in html
    for comment in waiting(app):
        card = html.split(f'id="item-{comment.id}"', 1)[1].split("</li>", 1)[0]
        assert f'data-language title="{"Arabic" if comment.language == "ar" else "English"}">{comment.language}' in card
        assert ('data-triggered="abuse"' in card) == (comment.language == "ar")
        assert ('class="triggered-row"><dt>abuse</dt>' in card) == (comment.language == "ar")
        # The words behind the score of the category that held it, kept when it was decided (Arabic only here).
        explained = comment.category_explanations or {}
        assert set(explained) == ({"abuse"} if comment.language == "ar" else set())
        raising = [e["term"] for e in sorted(explained.get("abuse", []), key=lambda e: -e["weight"]) if e["weight"] > 0]
        assert ('data-category-words="abuse"' in card) == bool(raising)
        for word in raising[:6]:
            assert f'<mark class="term-up" dir="auto">{word}</mark>' in card


def test_a_filtered_card_another_moderator_holds_says_so(client: FlaskClient, tokens: Tokens) -> None:
    queue_mixed(client, tokens)
    claimed = client.post("/api/v1/queue/claim", json={"limit": 1}, headers=tokens["moderator2"]).get_json()
    sign_in(client, bearer_secret(tokens["moderator"]))
    html = client.get("/moderate?language=en").get_data(as_text=True)
    first = claimed["items"][0]["id"]
    card = html.split(f'id="item-{first}"', 1)[1].split("</li>", 1)[0]
    assert "claimed by moderator2" in card
    assert html.count("data-held-by") == 1


def test_malformed_filters_are_ignored(app: Flask, client: FlaskClient, tokens: Tokens) -> None:
    queue_mixed(client, tokens)
    sign_in(client, bearer_secret(tokens["moderator"]))
    claim_page(client)
    response = client.get("/moderate?language=%3Cscript%3E&category=violence&triggered=1")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<script>" not in html.split("<main", 1)[1]
    assert "claimed by you" in html and "data-filter-note" not in html
    assert len(card_ids(html)) == len(ENGLISH) + len(ARABIC)
