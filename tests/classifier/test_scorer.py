"""Scorer: the fast path equals scikit-learn's predict_proba, and Score carries what the service needs."""

from __future__ import annotations

import dataclasses
import random
from pathlib import Path

import numpy as np
import pytest

from service.classifier.datasets import load_rows
from service.classifier.pipeline import Hyperparams, fit_pipeline
from service.classifier.scorer import Score, Scorer, ScoringError


def random_texts(vocabulary: list[str], n: int, seed: int) -> list[str]:
    """Texts mixing training words with punctuation, case, unicode and odd whitespace."""
    rng = random.Random(seed)
    extras = ["İstanbul", "ΣΟΦΟΣ", "straße", "naïve", "😀", "www.x.test", "!!!", "don't", "e-mail", "a", "", "Ǆ"]
    spaces = [" ", "  ", "\t", "\n", "\u00a0", "\u2003", " \r\n "]
    texts = []
    for _ in range(n):
        words = [rng.choice(vocabulary + extras) for _ in range(rng.randint(0, 60))]
        words = [w.upper() if rng.random() < 0.1 else w for w in words]
        texts.append("".join(w + rng.choice(spaces) for w in words))
    return texts


@pytest.fixture(scope="module")
def scorer(toy_model_dir: Path) -> Scorer:
    return Scorer.load(toy_model_dir)


@pytest.fixture(scope="module")
def vocabulary(toy_csv: Path) -> list[str]:
    return sorted({w for r in load_rows([toy_csv]) for w in r.text.split()})


def test_fast_path_agrees_with_predict_proba_on_many_texts(scorer: Scorer, vocabulary: list[str]) -> None:
    texts = random_texts(vocabulary, 400, seed=1)
    fast = scorer.probabilities(texts)
    slow = np.array(scorer.reference_probabilities(texts))
    np.testing.assert_allclose(fast, slow, rtol=0, atol=1e-9)
    singles = np.array([[s.probability, *s.categories.values()] for s in scorer.score_many(texts[:50])])
    np.testing.assert_allclose(singles, slow[:50], rtol=0, atol=1e-9)


@pytest.mark.parametrize(
    "params",
    [
        Hyperparams(calibration="isotonic", sublinear_tf=False, word_ngrams=(1, 3), char_ngrams=(1, 3)),
        Hyperparams(min_df=1, char_ngrams=(3, 6), source_weighting=False, class_weight="balanced"),
    ],
)
def test_fast_path_agrees_for_other_hyperparameters(toy_csv: Path, vocabulary: list[str], params: Hyperparams) -> None:
    pipeline = fit_pipeline(load_rows([toy_csv]), params, seed=2)
    scorer = Scorer(pipeline, {"version": "test"}, "test")
    texts = random_texts(vocabulary, 150, seed=2)
    np.testing.assert_allclose(
        scorer.probabilities(texts), np.array(scorer.reference_probabilities(texts)), rtol=0, atol=1e-9
    )


def test_score_carries_probability_categories_explanation_and_version(scorer: Scorer) -> None:
    score = scorer.score("You pathetic idiot, click here for a free prize")
    assert isinstance(score, Score) and score.model_version == scorer.model_version == "2026-11-27.1"
    assert 0.0 <= score.probability <= 1.0
    assert set(score.categories) == {"abuse", "spam"}
    assert all(0.0 <= v <= 1.0 for v in score.categories.values())
    with pytest.raises(dataclasses.FrozenInstanceError):
        score.probability = 0.0  # type: ignore[misc]
    assert scorer.card["version"] == "2026-11-27.1"


def test_batch_and_single_scoring_agree(scorer: Scorer) -> None:
    texts = ["you idiot", "free prize", "nice park", ""]
    assert scorer.score_many(texts) == [scorer.score(t) for t in texts]
    assert scorer.score_many([]) == []


@pytest.mark.parametrize("bad", ["not a list", [b"bytes"], [None]])
def test_non_text_input_raises_scoring_error(scorer: Scorer, bad: object) -> None:
    with pytest.raises(ScoringError):
        scorer.score_many(bad)  # type: ignore[arg-type]
