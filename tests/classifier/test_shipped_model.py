"""Smoke test of the model the default configuration serves: it loads, scores and its card carries the required
metrics."""

from __future__ import annotations

import tomllib
from pathlib import Path

from service.classifier.scorer import Scorer

ROOT = Path(__file__).resolve().parents[2]


def test_configured_model_loads_and_its_card_has_the_promised_metrics() -> None:
    configured = tomllib.loads((ROOT / "config" / "default.toml").read_text(encoding="utf-8"))["model"]["path"]
    folder = ROOT / configured
    assert folder.is_dir(), f"config/default.toml's [model] path {configured} is not a folder of the repository"
    scorer = Scorer.load(folder)
    metrics = scorer.card["metrics"]
    assert metrics["pooled_split"]["ece"] <= 0.05
    loso = metrics["leave_one_source_out"]["per_source"]
    assert set(loso) == {"cad", "davidson", "gab", "jigsaw", "sms", "youtube"}
    assert all(v is not None for v in loso.values())
    assert set(metrics["pooled_split"]["per_category"]) == {"abuse", "spam"}
    score = scorer.score("Thanks for the article, very informative.")
    assert score.model_version == scorer.model_version == folder.name
    assert 0.0 <= score.probability <= 1.0
