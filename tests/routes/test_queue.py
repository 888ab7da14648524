"""The review queue over HTTP: claims, leases, decisions, 409s, bulk, undo, notes, history, reports, audit sample."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import good_comment, set_policy

Tokens = dict[str, dict[str, str]]


def queue_everything(client: FlaskClient, tokens: Tokens, count: int, **policy: Any) -> list[int]:
    set_policy(client, tokens, publish_below=0.0, reject_at=1.0, **policy)
    ids = []
    for n in range(count):
        body = f"Comment {n}: the ferry timetable change hurts shift workers on route {n * 7}."
        response = client.post("/api/v1/comments", json=good_comment(body=body, author_email=f"r{n}@example.org"))
        assert response.get_json()["status"] == "pending"
        ids.append(response.get_json()["id"])
    return ids


def claim(client: FlaskClient, tokens: Tokens, who: str, limit: int) -> list[dict[str, Any]]:
    response = client.post("/api/v1/queue/claim", json={"limit": limit}, headers=tokens[who])
    assert response.status_code == 200, response.get_json()
    items: list[dict[str, Any]] = response.get_json()["items"]
    return items


def decide(client: FlaskClient, tokens: Tokens, who: str, comment_id: int, **body: Any) -> Any:
    return client.post(f"/api/v1/comments/{comment_id}/decision", json=body, headers=tokens[who])


def test_two_moderators_claim_disjoint_items_with_the_contract_fields(client: FlaskClient, tokens: Tokens) -> None:
    ids = queue_everything(client, tokens, 6)
    first = claim(client, tokens, "moderator", 3)
    second = claim(client, tokens, "moderator2", 3)
    assert {i["id"] for i in first}.isdisjoint({i["id"] for i in second})
    assert {i["id"] for i in first + second} == set(ids)
    required = {
        "id",
        "article_id",
        "body",
        "status",
        "score",
        "categories",
        "reasons",
        "explanation",
        "created_at",
        "lease_expires_at",
    }
    assert required <= set(first[0])
    assert first[0]["lease_expires_at"] is not None
    renewed = claim(client, tokens, "moderator2", 3)  # re-claiming renews the caller's own leases
    assert [i["id"] for i in renewed] == [i["id"] for i in second]


def test_lease_holder_approves_and_the_comment_is_public_then_second_decision_is_409(
    client: FlaskClient, tokens: Tokens
) -> None:
    queue_everything(client, tokens, 1)
    item = claim(client, tokens, "moderator", 1)[0]
    assert decide(client, tokens, "moderator2", item["id"], action="approve").status_code == 409
    approved = decide(client, tokens, "moderator", item["id"], action="approve", note="fine, local knowledge")
    assert approved.status_code == 200 and approved.get_json()["status"] == "published"
    page = client.get(f"/api/v1/articles/{item['article_id']}/comments").get_json()
    assert [c["id"] for c in page["items"]] == [item["id"]]
    again = decide(client, tokens, "moderator", item["id"], action="reject", reason="spam")
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "conflict"
    history = client.get(f"/api/v1/comments/{item['id']}/history", headers=tokens["moderator"]).get_json()
    assert [e["action"] for e in history["items"]] == ["comment.submitted", "queue.claimed", "comment.approved"]
    assert history["notes"][0]["text"] == "fine, local knowledge"


def test_an_expired_lease_frees_the_item(app: Flask, client: FlaskClient, tokens: Tokens) -> None:
    from sqlalchemy import update

    from service.extensions import db
    from service.records import Comment, utcnow

    queue_everything(client, tokens, 1)
    item = claim(client, tokens, "moderator", 1)[0]
    with app.app_context():
        db.session.execute(update(Comment).values(lease_expires_at=utcnow()))
        db.session.commit()
    assert [i["id"] for i in claim(client, tokens, "moderator2", 1)] == [item["id"]]
    assert decide(client, tokens, "moderator", item["id"], action="approve").status_code == 409


def test_reject_needs_a_reason_from_the_fixed_list(client: FlaskClient, tokens: Tokens) -> None:
    (comment_id,) = queue_everything(client, tokens, 1)
    missing = decide(client, tokens, "moderator", comment_id, action="reject")
    assert missing.status_code == 422 and "reason" in missing.get_json()["error"]["fields"]
    unknown = decide(client, tokens, "moderator", comment_id, action="reject", reason="rude")
    assert unknown.status_code == 422
    ok = decide(client, tokens, "moderator", comment_id, action="reject", reason="abuse", reason_text="name-calling")
    assert ok.get_json()["status"] == "rejected"


def test_admin_undo_returns_the_comment_to_the_queue(client: FlaskClient, tokens: Tokens) -> None:
    (comment_id,) = queue_everything(client, tokens, 1)
    decide(client, tokens, "moderator", comment_id, action="reject", reason="spam")
    assert client.post(f"/api/v1/comments/{comment_id}/undo", headers=tokens["moderator"]).status_code == 403
    undone = client.post(f"/api/v1/comments/{comment_id}/undo", headers=tokens["admin"])
    assert undone.status_code == 200 and undone.get_json()["status"] == "pending"
    assert client.post(f"/api/v1/comments/{comment_id}/undo", headers=tokens["admin"]).status_code == 409
    assert decide(client, tokens, "moderator2", comment_id, action="approve").get_json()["status"] == "published"


def test_bulk_decision_on_a_campaign(client: FlaskClient, tokens: Tokens) -> None:
    set_policy(client, tokens, publish_below=1.0, reject_at=1.0)
    spam = "Earn 500 dollars a day working from home, visit my profile to find out how"
    for n in range(4):
        client.post("/api/v1/comments", json=good_comment(body=spam + "!" * n, author_email=f"s{n}@example.org"))
    items = client.get("/api/v1/queue", headers=tokens["moderator"]).get_json()["items"]
    assert len(items) == 3
    campaign = items[0]["campaign_id"]
    result = client.post(
        "/api/v1/queue/bulk-decision",
        json={"action": "reject", "reason": "spam", "campaign_id": campaign},
        headers=tokens["moderator"],
    ).get_json()
    assert len(result["decided"]) == 3 and result["conflicts"] == {}
    assert client.get("/api/v1/queue", headers=tokens["moderator"]).get_json()["total"] == 0
    # A second moderator's click on the same campaign finds nothing left to decide: not an error.
    again = client.post(
        "/api/v1/queue/bulk-decision",
        json={"action": "reject", "reason": "spam", "campaign_id": campaign},
        headers=tokens["moderator2"],
    )
    assert again.status_code == 200 and again.get_json() == {"decided": [], "conflicts": {}}
    wrong_reason = client.post(
        "/api/v1/queue/bulk-decision",
        json={"action": "reject", "reason": "acceptable", "campaign_id": campaign},
        headers=tokens["moderator2"],
    )
    assert wrong_reason.status_code == 422 and "reason" in wrong_reason.get_json()["error"]["fields"]
    nothing = client.post("/api/v1/queue/bulk-decision", json={"action": "approve"}, headers=tokens["moderator"])
    assert nothing.status_code == 422 and "ids" in nothing.get_json()["error"]["fields"]


def test_bulk_selection_reports_items_someone_else_holds(client: FlaskClient, tokens: Tokens) -> None:
    ids = queue_everything(client, tokens, 3)
    held = claim(client, tokens, "moderator2", 1)[0]["id"]
    result = client.post(
        "/api/v1/queue/bulk-decision", json={"action": "approve", "ids": ids}, headers=tokens["moderator"]
    ).get_json()
    assert sorted(i["id"] for i in result["decided"]) == sorted(set(ids) - {held})
    assert list(result["conflicts"]) == [str(held)]


def test_queue_filters_and_orders(client: FlaskClient, tokens: Tokens) -> None:
    ids = queue_everything(client, tokens, 4)
    queue = client.get("/api/v1/queue?order=oldest", headers=tokens["moderator"]).get_json()
    assert [i["id"] for i in queue["items"]] == ids and queue["total"] == 4
    by_score = client.get("/api/v1/queue?order=score", headers=tokens["moderator"]).get_json()["items"]
    assert [i["score"] for i in by_score] == sorted((i["score"] for i in by_score), reverse=True)
    assert len(client.get("/api/v1/queue?order=priority&limit=2", headers=tokens["moderator"]).get_json()["items"]) == 2
    assert client.get("/api/v1/queue?article_id=nope", headers=tokens["moderator"]).get_json()["total"] == 0
    assert client.get("/api/v1/queue?reason=score_borderline", headers=tokens["moderator"]).get_json()["total"] == 4
    assert client.get("/api/v1/queue?min_age_seconds=3600", headers=tokens["moderator"]).get_json()["total"] == 0
    assert client.get("/api/v1/queue?order=random", headers=tokens["moderator"]).status_code == 422


def test_enough_distinct_reports_send_a_published_comment_back_to_the_queue(
    client: FlaskClient, tokens: Tokens
) -> None:
    set_policy(client, tokens, publish_below=1.0, reject_at=1.0, report_threshold=2)
    comment_id = client.post("/api/v1/comments", json=good_comment()).get_json()["id"]

    def report(address: str) -> Any:
        return client.post(
            f"/api/v1/comments/{comment_id}/reports", json={"reason": "abuse"}, environ_base={"REMOTE_ADDR": address}
        )

    assert report("198.51.100.7").get_json()["accepted"] is True
    assert report("198.51.100.8").get_json()["accepted"] is False  # same /24: the same reader network
    assert client.get("/api/v1/queue", headers=tokens["moderator"]).get_json()["total"] == 0
    assert report("203.0.113.9").get_json()["accepted"] is True
    queue = client.get("/api/v1/queue", headers=tokens["moderator"]).get_json()["items"]
    assert [(i["id"], i["status"]) for i in queue] == [(comment_id, "reported")]
    assert "reader_reports" in [r["code"] for r in queue[0]["reasons"]]
    assert client.get("/api/v1/articles/2026/11/harbour-bridge-reopens/comments").get_json()["items"] == []
    assert client.post(f"/api/v1/comments/{comment_id}/reports", json={"reason": "nope"}).status_code == 422
    assert client.post("/api/v1/comments/999999/reports", json={"reason": "spam"}).status_code == 404


def test_blind_audit_sample_hides_the_machine_decision_and_measures_error(client: FlaskClient, tokens: Tokens) -> None:
    set_policy(client, tokens, publish_below=1.0, reject_at=1.0, audit_sample_rate=1.0)
    ids = [
        client.post("/api/v1/comments", json=good_comment(body=f"Sampled comment {n} about the harbour.")).get_json()[
            "id"
        ]
        for n in range(3)
    ]
    items = client.get("/api/v1/queue", headers=tokens["moderator"]).get_json()["items"]
    assert len(items) == 3
    for item in items:
        assert item["score"] is None and item["categories"] == {} and item["explanation"] == []
        assert [r["code"] for r in item["reasons"]] == ["audit_sample"]
    decide(client, tokens, "moderator", ids[0], action="approve")
    decide(client, tokens, "moderator", ids[1], action="approve")
    decide(client, tokens, "moderator", ids[2], action="reject", reason="abuse")
    rate = client.get("/api/v1/policy/automatic-error-rate", headers=tokens["admin"]).get_json()
    assert rate["sampled_and_decided"] == 3 and rate["overturned"] == 1
    assert rate["error_rate"] == pytest.approx(1 / 3)
    low, high = rate["confidence_interval_95"]
    assert 0 < low < 1 / 3 < high < 1
