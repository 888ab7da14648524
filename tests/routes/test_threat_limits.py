"""The shipped model and the shipped policy together, through the API (issue 17): a threat whose overall score would
publish it is held for a person by the threat limit, in English and in Arabic; the Arabic seed list of explicit threat
forms still holds what it names. The threats are veiled ones from bench/data/written-eval.csv, comments no model
version was trained on (models/README.md, "Categories")."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.conftest import good_comment

ROOT = Path(__file__).resolve().parents[2]
CONFIG = tomllib.loads((ROOT / "config" / "default.toml").read_text(encoding="utf-8"))
Tokens = dict[str, dict[str, str]]


@pytest.fixture
def shipped_app(make_app: Any) -> Flask:
    """The app serving the configured model with the shipped thresholds, category limits and suspect terms."""
    policy = CONFIG["policy"]
    keys = ("publish_below", "reject_at", "thresholds_by_language", "category_thresholds", "suspect_terms")
    model = {"path": str(ROOT / CONFIG["model"]["path"])}
    app: Flask = make_app({"model": model, "policy": {k: policy[k] for k in keys}})
    return app


def _publish_below(language: str) -> float:
    policy = CONFIG["policy"]
    return float(policy["thresholds_by_language"].get(language, {}).get("publish_below", policy["publish_below"]))


def _held_through_the_api(app: Flask, tokens: Tokens, body: str, language: str) -> tuple[dict[str, Any], list[str]]:
    """Score the body (it must be below its language's publish_below), post it, and return the score and the
    reason codes of the queue item it became."""
    client = app.test_client()
    scored = client.post("/api/v1/score", json={"body": body}, headers=tokens["integration"]).get_json()
    assert scored["language"] == language and scored["model_version"] == Path(CONFIG["model"]["path"]).name
    assert scored["score"] < _publish_below(language)  # the overall score alone would publish it
    posted = client.post("/api/v1/comments", json=good_comment(body=body))
    assert posted.status_code == 201 and posted.get_json()["status"] == "pending"
    queue = client.get("/api/v1/queue", headers=tokens["moderator"]).get_json()["items"]
    (item,) = [i for i in queue if i["id"] == posted.get_json()["id"]]
    assert item["categories"] == pytest.approx(scored["categories"])
    # The queue keeps, per category that held it, the words behind that category's score: the same as /score gave.
    assert _rounded(item["category_explanations"]) == _rounded(scored["category_explanations"])
    return scored, [r["code"] for r in item["reasons"]]


def _limit(language: str) -> float:
    policy = CONFIG["policy"]
    own = policy["thresholds_by_language"].get(language, {}).get("categories", {}).get("threat")
    return float((own or policy["category_thresholds"]["threat"])["hold_at"])


@pytest.mark.parametrize(
    ("body", "language", "raising"),
    [
        # "Give me ten minutes alone with him ... no need for a trial": no kill word, the overall score 0.06.
        ("give me 10 minutes alone with the guy in the photo and there will be no need for a trial", "en", "trial"),
        # "Whoever wrote the article needs someone to teach him manners, but not with words 👊" (Iraqi Arabic).
        ("اللي كتب المقال لازم أحد يعلمه الأدب، بس مو بالحچي 👊", "ar", "بالحچي"),
    ],
)
def test_a_veiled_threat_the_overall_score_lets_through_is_held_by_the_threat_limit(
    shipped_app: Flask, tokens: Tokens, body: str, language: str, raising: str
) -> None:
    scored, codes = _held_through_the_api(shipped_app, tokens, body, language)
    assert scored["categories"]["threat"] >= _limit(language)
    assert "category_threat" in codes and not {"score_borderline", "score_high", "suspect_term"} & set(codes)
    # The words that raised the threat score, with offsets into the body; only for the categories that held it.
    assert set(scored["category_explanations"]) == {c.removeprefix("category_") for c in codes if "category_" in c}
    terms = [e for e in scored["category_explanations"]["threat"] if e["weight"] > 0]
    assert raising in [e["term"] for e in terms]
    assert all(body[e["start"] : e["end"]] == e["term"] for e in terms)


def _rounded(explanations: dict[str, list[dict[str, Any]]]) -> dict[str, list[tuple[str, float, int, int]]]:
    return {k: [(e["term"], round(e["weight"], 9), e["start"], e["end"]) for e in v] for k, v in explanations.items()}


def test_the_arabic_seed_list_still_holds_the_explicit_threat_forms_it_names(
    shipped_app: Flask, tokens: Tokens
) -> None:
    # "Slaughter them all": the threat model holds it too now; the list is the second line.
    scored, codes = _held_through_the_api(shipped_app, tokens, "اذبحوهم جميعا", "ar")
    assert set(scored["categories"]) == {"abuse", "spam", "threat", "hate", "insult", "obscene"}
    assert {"suspect_term", "category_threat"} <= set(codes) and not {"score_borderline", "score_high"} & set(codes)
