"""Explanations: signed word contributions with offsets into the original text, adding up to the logit."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from service.classifier.fast import FastModel
from service.classifier.scorer import Scorer

TEXTS = [
    "You are a pathetic idiot, shut up!",
    "  Thanks   for the\tlovely article about the İstanbul bridge, idiot.",
    "Click here www.example-prizes.test to WIN a free prize!!!",
    "ΟΔΟΣ straße «moron» idiot idiot",
]


@pytest.fixture(scope="module")
def scorer(toy_model_dir: Path) -> Scorer:
    return Scorer.load(toy_model_dir)


@pytest.mark.parametrize("text", TEXTS)
def test_explanation_offsets_point_at_the_term_in_the_original_text(scorer: Scorer, text: str) -> None:
    score = scorer.score(text)
    assert 0 < len(score.explanation) <= 10
    for item in score.explanation:
        assert text[item.start : item.end] == item.term
        assert item.term.strip() == item.term and item.weight != 0


def test_abusive_word_pushes_up_and_friendly_word_pushes_down(scorer: Scorer) -> None:
    up = scorer.score("you pathetic idiot").explanation
    assert up[0].weight > 0 and up[0].term in {"pathetic", "idiot"}
    weights = [e.weight for e in scorer.score("you idiot, lovely article, thanks").explanation]
    up = [w for w in weights if w > 0]
    down = [w for w in weights if w < 0]
    assert up and down and weights == up + down  # terms pushing up first, then those pushing down
    assert up == sorted(up, reverse=True) and down == sorted(down)  # each strongest first


@pytest.mark.parametrize("text", TEXTS)
def test_word_contributions_plus_intercept_equal_the_moderation_logit(scorer: Scorer, text: str) -> None:
    fast: FastModel = scorer._fast
    _, _, contributions = fast._logits(text)
    linear = scorer.pipeline.named_steps["clf"].estimators_[0].calibrated_classifiers_[0].estimator
    x = scorer.pipeline.named_steps["features"].transform([text])
    assert float(contributions.sum()) + fast.intercept_logit() == pytest.approx(
        float(linear.decision_function(x)[0]), abs=1e-9
    )


def test_text_without_known_terms_has_no_explanation(scorer: Scorer) -> None:
    score = scorer.score("   ")
    assert score.explanation == []
    assert np.isfinite(score.probability)
