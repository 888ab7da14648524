"""The single pipeline definition: features, calibrated per-target linear models, balancing and metrics."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.pipeline import FeatureUnion

from service.classifier.balance import balance_sources
from service.classifier.datasets import Row, load_rows
from service.classifier.metrics import ece, reliability_table
from service.classifier.pipeline import BASE_TARGETS, Hyperparams, build_pipeline, fit_pipeline, predict_targets


def test_build_pipeline_has_word_and_char_features_and_calibrated_linear_models() -> None:
    pipeline = build_pipeline(Hyperparams(), seed=0)
    features = pipeline.named_steps["features"]
    assert isinstance(features, FeatureUnion)
    assert [name for name, _ in features.transformer_list] == ["word", "char"]
    assert isinstance(pipeline.named_steps["clf"].estimator, CalibratedClassifierCV)


def test_fitted_pipeline_scores_abuse_and_spam_above_friendly_comments(toy_csv: Path) -> None:
    pipeline = fit_pipeline(load_rows([toy_csv]), Hyperparams(), seed=0)
    probs = predict_targets(pipeline, ["You pathetic idiot, shut up", "Click here to win a free prize", "Lovely park"])
    assert probs.shape == (3, len(BASE_TARGETS))
    assert ((probs >= 0) & (probs <= 1)).all()
    moderation, abuse, spam = probs.T
    assert moderation[0] > moderation[2] and moderation[1] > moderation[2]
    assert abuse[0] > abuse[1] and spam[1] > spam[0]


def test_calibrated_probabilities_track_the_base_rate(toy_csv: Path) -> None:
    rows = load_rows([toy_csv])
    probs = predict_targets(fit_pipeline(rows, Hyperparams(), seed=0), [r.text for r in rows])
    labels = np.array([r.label for r in rows])
    assert abs(probs[:, 0].mean() - labels.mean()) < 0.15
    # Sigmoid calibration keeps scores off the 0/1 extremes on so little data.
    assert 0.0 < probs[:, 0].min() and probs[:, 0].max() < 1.0


def test_ece_is_zero_for_perfect_calibration_and_large_for_overconfidence() -> None:
    rng = np.random.default_rng(0)
    p = rng.random(20000)
    y = (rng.random(20000) < p).astype(int)
    assert ece(y, p) < 0.02
    assert ece(y, np.where(p > 0.5, 1.0, 0.0)) > 0.2
    table = reliability_table(y, p)
    assert sum(b["count"] for b in table) == 20000 and len(table) == 10


def test_balancing_caps_the_positive_rate_of_a_source_and_keeps_order() -> None:
    rows = [Row(f"t{i}", int(i % 10 != 0), "abuse" if i % 10 else None, "tweets") for i in range(100)]
    rows += [Row(f"n{i}", int(i < 2), "abuse" if i < 2 else None, "news") for i in range(20)]
    kept = balance_sources(rows, max_positive_rate=0.5, max_rows_per_source=0, seed=1)
    tweets = [r for r in kept if r.source == "tweets"]
    assert sum(r.label for r in tweets) == 10 and len(tweets) == 20
    assert [r for r in kept if r.source == "news"] == rows[100:]
    assert kept == balance_sources(rows, max_positive_rate=0.5, max_rows_per_source=0, seed=1)
    assert kept == sorted(kept, key=rows.index)
