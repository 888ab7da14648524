"""The whole learning loop through the API: decisions -> train -> shadow -> promote -> scored by it -> rollback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from service import learning
from service.extensions import db
from service.records import AuditEvent, Comment
from service.web.model_sync import sync_live_models
from tests.conftest import TOY_DATA, good_comment, run_cli, set_policy, stored_comment
from tests.site_toy import site_comments

Tokens = dict[str, dict[str, str]]
CANDIDATE = "2026-11-27.5"


def post(client: FlaskClient, body: str, n: int) -> int:
    response = client.post("/api/v1/comments", json=good_comment(body=body, author_email=f"reader{n}@example.org"))
    assert response.status_code == 201, response.get_json()
    comment_id: int = response.get_json()["id"]
    return comment_id


def decide(client: FlaskClient, tokens: Tokens, comment_id: int, held: int) -> None:
    body = {"action": "reject", "reason": "abuse"} if held else {"action": "approve", "reason": "acceptable"}
    response = client.post(f"/api/v1/comments/{comment_id}/decision", json=body, headers=tokens["moderator"])
    assert response.status_code == 200, response.get_json()


def sync(app: Flask) -> None:
    """What every worker does within [model] refresh_seconds, done now."""
    with app.app_context():
        sync_live_models(app.extensions["moderato.live_models"], background=False)


def audit_events(app: Flask, action: str) -> list[dict[str, Any]]:
    with app.app_context():
        return [e.data for e in db.session.scalars(select(AuditEvent).where(AuditEvent.action == action))]


def test_moderators_decisions_train_a_model_that_is_shadowed_promoted_and_rolled_back(
    app: Flask, client: FlaskClient, tokens: Tokens, tmp_path: Path
) -> None:
    set_policy(client, tokens, publish_below=0.0, reject_at=1.0)  # every comment reaches a moderator
    ids = []
    for n, (body, held) in enumerate(site_comments(100, seed=21)):  # 80 training decisions, 20 held out
        ids.append(post(client, body, n))
        decide(client, tokens, ids[-1], held)
    old_version = stored_comment(app, ids[0]).model_version

    result = run_cli(
        app, "train", "--data", str(TOY_DATA), "--include-decisions", "--out", str(tmp_path), "--version", CANDIDATE
    )
    assert result.exit_code == 0, result.output
    assert f"registered as candidate {CANDIDATE}" in result.output
    listed = {m["version"]: m for m in client.get("/api/v1/models", headers=tokens["admin"]).get_json()["items"]}
    assert listed[CANDIDATE]["state"] == "candidate" and listed[old_version]["state"] == "active"
    assert (tmp_path / CANDIDATE / "site.skops").is_file()
    card = json.loads((tmp_path / CANDIDATE / "model-card.json").read_text(encoding="utf-8"))
    assert listed[CANDIDATE]["sha256"] == card["artifact"]["sha256"]
    assert card["blend"]["method"] == "stacking" and card["metrics"]["site_holdout"]["rows"] == 20

    assert client.post(f"/api/v1/models/{CANDIDATE}/shadow", headers=tokens["admin"]).status_code == 200
    sync(app)
    trial = "With respect, the skipper clearly caused the ferry fire, the jury should simply confirm it."
    shadowed = [post(client, f"{trial} Day {n}.", 1000 + n) for n in range(3)]
    for comment_id in shadowed:
        comment = stored_comment(app, comment_id)
        assert comment.model_version == old_version and comment.shadow_model_version == CANDIDATE
        assert comment.shadow_score is not None and comment.score is not None
        assert comment.shadow_score > comment.score  # the site model learnt the site's own rule
        decide(client, tokens, comment_id, 1)
    report = client.get("/api/v1/models/shadow-report", headers=tokens["admin"])
    assert report.status_code == 200, report.get_json()
    assert report.get_json()["scored_by_both"] == 3 and report.get_json()["decided_since"] == 3

    promoted = client.post(f"/api/v1/models/{CANDIDATE}/promote", json={}, headers=tokens["admin"])
    assert promoted.status_code == 200, promoted.get_json()
    gate = promoted.get_json()["gate"]
    assert gate["basis"] == "site_holdout" and gate["holdout_rows"] >= 20 and gate["passed"] is True
    assert gate["candidate_auc"] > gate["active_auc"]
    (event,) = audit_events(app, "model.promoted")
    assert event["version"] == CANDIDATE and event["previous"] == old_version and event["forced"] is False
    sync(app)
    assert stored_comment(
        app, post(client, "After the promotion: thanks for the bridge update.", 2000)
    ).model_version == (CANDIDATE)

    rolled_back = client.post("/api/v1/models/rollback", headers=tokens["admin"])
    assert rolled_back.status_code == 200 and rolled_back.get_json()["version"] == old_version
    sync(app)
    assert stored_comment(
        app, post(client, "After the rollback: thanks for the bridge update.", 2001)
    ).model_version == (old_version)


def test_a_forced_promotion_is_audited_as_forced(
    app: Flask, client: FlaskClient, tokens: Tokens, tmp_path: Path
) -> None:
    result = run_cli(app, "train", "--data", str(TOY_DATA), "--out", str(tmp_path), "--version", "2026-11-27.6")
    assert result.exit_code == 0, result.output
    # No site decisions: the gate compares the public held-out AUC of both model cards.
    response = client.post("/api/v1/models/2026-11-27.6/promote", json={"force": True}, headers=tokens["admin"])
    assert response.status_code == 200, response.get_json()
    gate = response.get_json()["gate"]
    assert gate["basis"] == "public_holdout"
    (event,) = audit_events(app, "model.promoted")
    assert event["forced"] is (not gate["passed"])


def test_erased_comments_and_undone_verdicts_do_not_teach(app: Flask, client: FlaskClient, tokens: Tokens) -> None:
    set_policy(client, tokens, publish_below=0.0, reject_at=1.0)
    ids = [post(client, f"Comment {n} about the harbour bridge repairs.", n) for n in range(4)]
    for comment_id in ids:
        decide(client, tokens, comment_id, held=comment_id % 2)
    undo = client.post(f"/api/v1/comments/{ids[0]}/undo", headers=tokens["admin"])
    assert undo.status_code == 200, undo.get_json()
    with app.app_context():
        erased = db.session.get(Comment, ids[1])
        assert erased is not None
        erased.excluded_from_training = True
        db.session.commit()
        taught = {e.comment_id for e in learning.site_examples()}
    assert taught == set(ids[2:])


def test_train_if_new_retrains_only_when_enough_decisions_were_made_since_the_last_trained_version(
    app: Flask, client: FlaskClient, tokens: Tokens, tmp_path: Path
) -> None:
    set_policy(client, tokens, publish_below=0.0, reject_at=1.0)
    comments = site_comments(70, seed=31)
    for n, (body, held) in enumerate(comments[:40]):
        decide(client, tokens, post(client, body, n), held)

    def train(version: str, if_new: str) -> Any:
        args = ["train", "--data", str(TOY_DATA), "--include-decisions", "--out", str(tmp_path)]
        return run_cli(app, *args, "--version", version, "--if-new", if_new)

    quiet = train("2026-11-27.7", "41")  # 40 decisions, none trained on yet
    assert quiet.exit_code == 0 and quiet.output == "" and not (tmp_path / "2026-11-27.7").exists()

    trained = train("2026-11-27.7", "40")
    assert trained.exit_code == 0 and "registered as candidate 2026-11-27.7" in trained.output
    card = json.loads((tmp_path / "2026-11-27.7" / "model-card.json").read_text(encoding="utf-8"))
    with app.app_context():
        assert card["site_decisions"]["through_verdict_id"] == learning.latest_verdict_id()
        assert learning.new_decisions_since_last_training() == 0

    again = train("2026-11-27.8", "1")
    assert again.exit_code == 0 and again.output == "" and not (tmp_path / "2026-11-27.8").exists()

    for n, (body, held) in enumerate(comments[40:], start=40):
        decide(client, tokens, post(client, body, n), held)
    with app.app_context():
        assert learning.new_decisions_since_last_training() == 30
    assert train("2026-11-27.8", "31").output == ""
    # The tests' active model was fitted with other settings, so .7 fitted its public model; once .7 is active, a
    # retraining on the same data, settings and seed reuses .7's public model instead of fitting it again.
    assert card["public_models"]["reused"] == []
    promoted = client.post("/api/v1/models/2026-11-27.7/promote", json={"force": True}, headers=tokens["admin"])
    assert promoted.status_code == 200, promoted.get_json()
    retrained = train("2026-11-27.8", "30")
    assert retrained.exit_code == 0 and "registered as candidate 2026-11-27.8" in retrained.output
    card = json.loads((tmp_path / "2026-11-27.8" / "model-card.json").read_text(encoding="utf-8"))
    assert card["public_models"] == {
        "hyperparameters_from": "2026-11-27.7",
        "reused_from": "2026-11-27.7",
        "reused": ["en"],
    }

    alone = run_cli(app, "train", "--data", str(TOY_DATA), "--out", str(tmp_path), "--if-new", "5")
    assert alone.exit_code == 2 and "--if-new needs --include-decisions" in alone.output
