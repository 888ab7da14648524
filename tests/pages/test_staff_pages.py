"""Moderator and admin pages: sign-in and sign-out, CSRF on forms and page JS, revocation, queue cards."""

from __future__ import annotations

import json
import re
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from service import auth, registry
from service.classifier.site import train_site_blend
from service.extensions import db
from service.records import Comment
from tests.conftest import TOY_DATA, good_comment, set_policy
from tests.pages.helpers import bearer_secret, claim_page, csrf_from, sign_in
from tests.site_toy import site_comments


def test_moderate_asks_for_a_token_until_signed_in(client: FlaskClient) -> None:
    html = client.get("/moderate").get_data(as_text=True)
    assert '<label for="token">API token</label>' in html
    assert "Moderation queue" not in html


def test_sign_in_sets_an_http_only_lax_secure_cookie(make_app: object, tokens: dict[str, dict[str, str]]) -> None:
    app: Flask = make_app()  # type: ignore[operator]
    client = app.test_client()
    with app.app_context():
        secret = auth.create_token("cookie-check", auth.Role.MODERATOR, actor="test").secret
        db.session.remove()
    page = client.get("/moderate", base_url="https://localhost").get_data(as_text=True)
    response = client.post(
        "/sign-in",
        data={"token": secret, "next": "/moderate", "csrf_token": csrf_from(page)},
        base_url="https://localhost",
    )
    cookie = response.headers["Set-Cookie"]
    assert response.status_code == 303
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=Lax" in cookie
    assert secret not in cookie


def test_sign_in_with_a_bad_token_or_without_csrf_is_refused(
    client: FlaskClient, tokens: dict[str, dict[str, str]]
) -> None:
    page = client.get("/moderate").get_data(as_text=True)
    bad = client.post("/sign-in", data={"token": "mdt_nope", "next": "/moderate", "csrf_token": csrf_from(page)})
    assert bad.status_code == 401
    no_csrf = client.post("/sign-in", data={"token": bearer_secret(tokens["moderator"]), "next": "/moderate"})
    assert no_csrf.status_code == 400
    assert "Moderation queue" not in client.get("/moderate").get_data(as_text=True)


def test_signed_in_moderator_sees_claimed_items_with_context_and_signs_out(
    client: FlaskClient, tokens: dict[str, dict[str, str]]
) -> None:
    set_policy(client, tokens, publish_below=1.0, reject_at=1.0, audit_sample_rate=0.0)
    parent = client.post("/api/v1/comments", json=good_comment(body="The parent says hello.")).get_json()["id"]
    set_policy(client, tokens, publish_below=0.0, reject_at=1.0)
    client.post("/api/v1/comments", json=good_comment(body="A borderline reply.", parent_id=parent))
    csrf = sign_in(client, bearer_secret(tokens["moderator"]))
    # Explanation terms are wrapped in <mark>; compare the text without them.
    html = re.sub(r"</?mark[^>]*>", "", claim_page(client))
    assert "Moderation queue" in html
    assert "A borderline reply." in html and "The parent says hello." in html
    assert "2026/11/harbour-bridge-reopens" in html
    assert "score_borderline" in html and "<meter" in html
    assert client.get("/moderate/counts.json").get_json()["pending"] == 1
    assert client.post("/sign-out", data={"csrf_token": csrf}).status_code == 303
    assert "Moderation queue" not in client.get("/moderate").get_data(as_text=True)
    assert client.get("/moderate/counts.json").status_code == 401


def test_loading_the_queue_page_claims_nothing_and_claiming_is_a_post_with_the_csrf_token(
    app: Flask, client: FlaskClient, tokens: dict[str, dict[str, str]]
) -> None:
    set_policy(client, tokens, publish_below=0.0, reject_at=1.0, audit_sample_rate=0.0)
    ids = [client.post("/api/v1/comments", json=good_comment(body=f"Borderline {n}.")).get_json()["id"] for n in (1, 2)]
    sign_in(client, bearer_secret(tokens["moderator"]))

    def holders() -> list[str | None]:
        with app.app_context():
            found = [db.session.get(Comment, i) for i in ids]
            result = [c.lease_holder if c else None for c in found]
            db.session.remove()
            return result

    # A GET, even a cross-site one (a link or an <img> carrying the Lax cookie), leases nothing.
    page = client.get("/moderate").get_data(as_text=True)
    assert holders() == [None, None]
    assert 'data-id="' not in page and "You hold no comments right now." in page
    assert 'method="post" action="/moderate"' in page
    # A POST without this session's CSRF token (a cross-site form) is refused and leases nothing.
    assert client.post("/moderate", data={}).status_code == 400
    assert client.post("/moderate", data={"csrf_token": "forged"}).status_code == 400
    assert holders() == [None, None]
    html = claim_page(client)
    assert [h.split(" (")[0] if h else None for h in holders()] == ["moderator", "moderator"]
    assert all(f'data-id="{i}"' in html for i in ids)
    # Reloading shows the same held items without claiming again.
    assert all(f'data-id="{i}"' in client.get("/moderate").get_data(as_text=True) for i in ids)


def test_revoking_the_token_signs_the_page_out(client: FlaskClient, tokens: dict[str, dict[str, str]]) -> None:
    sign_in(client, bearer_secret(tokens["moderator2"]))
    token_id = [t for t in client.get("/api/v1/tokens", headers=tokens["admin"]).get_json()["items"]]
    moderator2 = next(t["id"] for t in token_id if t["name"] == "moderator2")
    client.delete(f"/api/v1/tokens/{moderator2}", headers=tokens["admin"])
    assert "Moderation queue" not in client.get("/moderate").get_data(as_text=True)


def test_page_js_calls_the_api_with_the_session_only_with_the_csrf_header(
    client: FlaskClient, tokens: dict[str, dict[str, str]]
) -> None:
    set_policy(client, tokens, publish_below=0.0, reject_at=1.0, audit_sample_rate=0.0)
    comment_id = client.post("/api/v1/comments", json=good_comment()).get_json()["id"]
    csrf = sign_in(client, bearer_secret(tokens["moderator"]))
    assert client.get("/api/v1/queue").status_code == 200
    refused = client.post(f"/api/v1/comments/{comment_id}/decision", json={"action": "approve"})
    assert refused.status_code == 403
    assert refused.get_json()["error"]["code"] == "csrf_failed"
    forged = client.post(
        f"/api/v1/comments/{comment_id}/decision", json={"action": "approve"}, headers={"X-CSRF-Token": "forged"}
    )
    assert forged.status_code == 403
    approved = client.post(
        f"/api/v1/comments/{comment_id}/decision", json={"action": "approve"}, headers={"X-CSRF-Token": csrf}
    )
    assert approved.status_code == 200, approved.get_json()
    assert approved.get_json()["status"] == "published"


def test_bearer_callers_need_no_csrf_token(client: FlaskClient, tokens: dict[str, dict[str, str]]) -> None:
    set_policy(client, tokens, publish_below=0.0, reject_at=1.0, audit_sample_rate=0.0)
    comment_id = client.post("/api/v1/comments", json=good_comment()).get_json()["id"]
    response = client.post(
        f"/api/v1/comments/{comment_id}/decision", json={"action": "approve"}, headers=tokens["moderator"]
    )
    assert response.status_code == 200


def test_admin_page_is_for_admins_only(client: FlaskClient, tokens: dict[str, dict[str, str]]) -> None:
    sign_in(client, bearer_secret(tokens["moderator"]))
    html = client.get("/admin").get_data(as_text=True)
    assert "Sign in with an admin token." in html and "Thresholds" not in html


def test_admin_page_shows_thresholds_history_models_and_tokens(
    client: FlaskClient, tokens: dict[str, dict[str, str]]
) -> None:
    set_policy(client, tokens, publish_below=0.25, suspect_terms=["bargain"])
    sign_in(client, bearer_secret(tokens["admin"]), "/admin")
    html = client.get("/admin").get_data(as_text=True)
    for text in ("Thresholds", "data-chart", "Rule lists", "bargain", "Policy history", "publish_below", "API tokens"):
        assert text in html
    assert "Model versions" in html
    # The tiny test model's card is read from disk, with its metrics.
    assert "2026-01-01.1" in html and "pooled_split.auc" in html


def test_admin_page_shows_a_candidates_measured_gain_on_the_sites_held_out_decisions(
    app: Flask, client: FlaskClient, tokens: dict[str, dict[str, str]], tmp_path: Path
) -> None:
    def site(n: int, seed: int) -> list[tuple[str, int, str | None, str]]:
        return [(text, held, "abuse" if held else None, "site") for text, held in site_comments(n, seed)]

    folder = train_site_blend(
        [TOY_DATA], site(120, 41), site(50, 42), tmp_path, seed=3, version="2026-11-28.4", compare_appended=False
    )
    card = json.loads((folder / "model-card.json").read_text(encoding="utf-8"))
    alternatives = card["languages"]["en"]["blend"]["alternatives"]
    gain = card["languages"]["en"]["blend"]["holdout_gain_auc"]
    assert gain == round(alternatives["blend"]["holdout_auc"] - alternatives["public_alone"]["holdout_auc"], 4)
    with app.app_context():
        registry.register(folder, "test")
    sign_in(client, bearer_secret(tokens["admin"]), "/admin")
    html = client.get("/admin").get_data(as_text=True)
    article = html[html.index("2026-11-28.4") :]
    article = article[: article.index("</article>")]
    assert "Measured on this site's held-out decisions" in article
    assert f"<strong>{gain:+.3f}</strong> over the public model alone" in article
    public, blended = alternatives["public_alone"]["holdout_auc"], alternatives["blend"]["holdout_auc"]
    assert f"({public:.3f} → {blended:.3f})" in article
    assert "on 50 held-out decisions, learnt from 120" in article
    # A public-only version (the tiny test model) shows no gain.
    tiny = html[html.index("2026-01-01.1") :]
    assert "held-out decisions" not in tiny[: tiny.index("</article>")]


def test_admin_creates_and_revokes_a_token_with_page_forms(
    client: FlaskClient, tokens: dict[str, dict[str, str]]
) -> None:
    csrf = sign_in(client, bearer_secret(tokens["admin"]), "/admin")
    created = client.post("/admin/tokens", data={"name": "night shift", "role": "moderator", "csrf_token": csrf})
    html = created.get_data(as_text=True)
    assert created.status_code == 201 and "Copy it now" in html and "mdt_" in html
    listed = client.get("/api/v1/tokens", headers=tokens["admin"]).get_json()["items"]
    night = next(t for t in listed if t["name"] == "night shift")
    refused = client.post(f"/admin/tokens/{night['id']}/revoke", data={"csrf_token": "forged"})
    assert refused.status_code == 403
    client.post(f"/admin/tokens/{night['id']}/revoke", data={"csrf_token": csrf})
    listed = client.get("/api/v1/tokens", headers=tokens["admin"]).get_json()["items"]
    assert next(t for t in listed if t["name"] == "night shift")["revoked_at"] is not None


def test_rule_preview_counts_recent_hits_with_examples(client: FlaskClient, tokens: dict[str, dict[str, str]]) -> None:
    client.post("/api/v1/comments", json=good_comment(body="A real BARGAIN at the market today."))
    client.post("/api/v1/comments", json=good_comment(body="Nothing to see here at all, honestly."))
    response = client.post(
        "/api/v1/policy/rule-preview", json={"terms": ["bargain", "nothing-matches"]}, headers=tokens["admin"]
    )
    body = response.get_json()
    assert response.status_code == 200
    assert body["comments_checked"] == 2
    hits = {entry["term"]: entry for entry in body["terms"]}
    assert hits["bargain"]["hits"] == 1
    assert "BARGAIN" in hits["bargain"]["examples"][0]["excerpt"]
    assert hits["nothing-matches"]["hits"] == 0
    assert (
        client.post("/api/v1/policy/rule-preview", json={"terms": []}, headers=tokens["moderator"]).status_code == 403
    )


def test_moderator_card_gives_an_arabic_comment_its_own_direction_and_escapes_it(
    client: FlaskClient, tokens: dict[str, dict[str, str]]
) -> None:
    set_policy(client, tokens, publish_below=0.0, reject_at=1.0, audit_sample_rate=0.0)
    body = "تعليق <script>alert(1)</script> عن ديالى"
    payload = good_comment(article_id="ar/2026/12/diyala", author_name="<i>أبو علي</i>", body=body)
    assert client.post("/api/v1/comments", json=payload).status_code == 201
    sign_in(client, bearer_secret(tokens["moderator"]))
    html = claim_page(client)
    assert '<span class="author" dir="auto">&lt;i&gt;أبو علي&lt;/i&gt;</span>' in html
    # dir=auto, whatever language the mixed body was identified as (its first strong letter is Arabic).
    assert re.search(r'<p class="body" data-body dir="auto"( lang="[a-z]+")?>', html)
    assert "<script>alert" not in html and "تعليق &lt;script&gt;alert(1)&lt;/script&gt; عن ديالى" in re.sub(
        r"</?mark[^>]*>", "", html
    )
