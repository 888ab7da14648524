"""Smoke test of the model shipped in models/: it loads, scores and its card carries the required metrics."""

from __future__ import annotations

from pathlib import Path

from service.classifier.artifact import VERSION_RE
from service.classifier.scorer import Scorer

MODELS = Path(__file__).resolve().parents[2] / "models"


def test_shipped_model_loads_and_its_card_has_the_promised_metrics() -> None:
    versions = sorted(p for p in MODELS.iterdir() if p.is_dir() and VERSION_RE.match(p.name))
    assert versions, "no model version folder under models/"
    scorer = Scorer.load(versions[-1])
    metrics = scorer.card["metrics"]
    assert metrics["pooled_split"]["ece"] <= 0.05
    loso = metrics["leave_one_source_out"]["per_source"]
    assert set(loso) == {"cad", "davidson", "gab", "jigsaw", "sms", "youtube"}
    assert all(v is not None for v in loso.values())
    assert set(metrics["pooled_split"]["per_category"]) == {"abuse", "spam"}
    score = scorer.score("Thanks for the article, very informative.")
    assert score.model_version == versions[-1].name and 0.0 <= score.probability <= 1.0
