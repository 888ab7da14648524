"""Smoke test of the model shipped in models/: it loads, scores and its card carries the required metrics."""

from __future__ import annotations

from pathlib import Path

from service.classifier.artifact import VERSION_RE, read_card
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


def test_shipped_bilingual_model_holds_an_arabic_insult_and_old_versions_still_load() -> None:
    versions = sorted(p for p in MODELS.iterdir() if p.is_dir() and VERSION_RE.match(p.name))
    bilingual = [v for v in versions if "ar" in read_card(v).get("languages", {})]
    assert bilingual, "no bilingual model version under models/"
    scorer = Scorer.load(bilingual[-1])
    assert scorer.languages == ("ar", "en")
    ar = scorer.card["languages"]["ar"]
    loso = ar["metrics"]["leave_one_source_out"]["per_source"]
    assert {"aljazeera", "osact2020", "osact2022", "l-hsab", "mlma"} <= set(loso) and loso["aljazeera"] > 0.6
    assert all(s["licence"] for s in ar["training_data"]["sources"].values())
    insult = scorer.score("أنت غبي وحقير ويجب أن تموت", language="ar")
    assert insult.probability >= scorer.thresholds("ar")["publish_below"] and insult.language == "ar"
    assert Scorer.load(MODELS / "2026-11-27.2").languages == ("en",)
