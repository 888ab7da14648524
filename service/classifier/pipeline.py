"""The single definition of features and estimator: word + char TF-IDF into calibrated linear models per target."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.multioutput import MultiOutputClassifier
from sklearn.pipeline import FeatureUnion, Pipeline

from service.classifier.datasets import ABUSE, SPAM, Row
from service.classifier.normalise import Normalisation, normalise_texts

# Output columns of the pipeline, in order: P(needs moderation), then one calibrated probability per category.
TARGETS: tuple[str, ...] = ("moderation", ABUSE, SPAM)
WORD_TOKEN_PATTERN = r"(?u)\b\w\w+\b"


@dataclass(frozen=True)
class Hyperparams:
    """Every knob of features, model and training-set balancing (recorded in the model card)."""

    word_ngrams: tuple[int, int] = (1, 2)
    char_ngrams: tuple[int, int] = (2, 5)
    word_max_features: int = 50_000
    char_max_features: int = 100_000
    min_df: int = 2
    sublinear_tf: bool = True
    C: float = 4.0
    class_weight: str | None = None
    calibration: str = "sigmoid"
    calibration_folds: int = 3
    max_positive_rate: float = 0.5
    max_rows_per_source: int = 0
    source_weighting: bool = True
    # Text normalisation before features (normalise.py), applied per whitespace word by training and scoring alike.
    normalisation: str = "none"
    repeat_max: int = 2
    fold_hamza_seats: bool = True
    fold_letters: bool = True
    # Drop repeated texts (same after normalisation) across and within sources before balancing and splitting.
    dedupe: bool = False
    # A source with positives only (e.g. the Arabic spam rows) is subsampled to this many rows (0 = no cap).
    max_rows_positive_only: int = 0

    def text_normalisation(self) -> Normalisation:
        """The normaliser settings these parameters name."""
        return Normalisation(self.normalisation, self.repeat_max, self.fold_hamza_seats, self.fold_letters)

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly view for the model card."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Hyperparams:
        """Inverse of as_dict (unknown keys rejected)."""
        values: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items()}
        return cls(**values)


def build_features(params: Hyperparams) -> FeatureUnion:
    """Word n-gram and char_wb n-gram TF-IDF blocks, each L2-normalised, side by side."""
    word = TfidfVectorizer(
        analyzer="word",
        token_pattern=WORD_TOKEN_PATTERN,
        ngram_range=params.word_ngrams,
        min_df=params.min_df,
        max_features=params.word_max_features,
        sublinear_tf=params.sublinear_tf,
        lowercase=True,
        dtype=np.float64,
    )
    char = TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=params.char_ngrams,
        min_df=params.min_df,
        max_features=params.char_max_features,
        sublinear_tf=params.sublinear_tf,
        lowercase=True,
        dtype=np.float64,
    )
    return FeatureUnion([("word", word), ("char", char)])


def build_linear(params: Hyperparams, seed: int = 0) -> LogisticRegression:
    """The linear model behind every target (also used alone for rank-only leave-one-source-out scores)."""
    return LogisticRegression(
        C=params.C, solver="lbfgs", max_iter=2000, class_weight=params.class_weight, random_state=seed
    )


def build_pipeline(params: Hyperparams | None = None, seed: int = 0) -> Pipeline:
    """Features + one sigmoid/isotonic-calibrated logistic regression per target (held-out-fold calibration)."""
    params = params or Hyperparams()
    linear = build_linear(params, seed)
    calibrated = CalibratedClassifierCV(
        linear,
        method=params.calibration,
        cv=StratifiedKFold(n_splits=params.calibration_folds, shuffle=True, random_state=seed),
        ensemble=False,
    )
    return Pipeline([("features", build_features(params)), ("clf", MultiOutputClassifier(calibrated))])


def target_matrix(rows: Sequence[Row]) -> np.ndarray:
    """Labels per TARGETS column: needs moderation, is abuse, is spam."""
    return np.array(
        [[r.label, int(r.category == ABUSE), int(r.category == SPAM)] for r in rows],
        dtype=np.int64,
    )


def source_weights(rows: Sequence[Row]) -> np.ndarray:
    """Sample weights giving every source the same total weight (mean weight 1)."""
    sources = [r.source for r in rows]
    names, inverse, counts = np.unique(np.array(sources), return_inverse=True, return_counts=True)
    per_row = 1.0 / counts[inverse]
    return np.asarray(per_row * len(rows) / len(names), dtype=np.float64)


def normalised(rows: Sequence[Row], params: Hyperparams) -> list[str]:
    """The rows' texts as the pipeline sees them (normalised per params.normalisation)."""
    return normalise_texts([r.text for r in rows], params.text_normalisation())


def fit_pipeline(rows: Sequence[Row], params: Hyperparams, seed: int) -> Pipeline:
    """Build and fit the pipeline on rows (texts normalised, source-weighted when the params say so)."""
    pipeline = build_pipeline(params, seed)
    y = target_matrix(rows)
    texts = normalised(rows, params)
    if params.source_weighting:
        pipeline.fit(texts, y, clf__sample_weight=source_weights(rows))
    else:
        pipeline.fit(texts, y)
    return pipeline


def predict_targets(pipeline: Pipeline, texts: Sequence[str]) -> np.ndarray:
    """The reference (plain scikit-learn) path: shape (n, len(TARGETS)) of calibrated probabilities."""
    probas = pipeline.predict_proba(list(texts))
    return np.column_stack([p[:, 1] for p in probas])
