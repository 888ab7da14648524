"""The single definition of features and estimator: word + char TF-IDF into calibrated linear models per target."""

from __future__ import annotations

import logging
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

from service.classifier.categories import CATEGORY_TARGETS, MIN_CATEGORY_POSITIVES, UNLABELLED, category_label
from service.classifier.datasets import ABUSE, SPAM, Row
from service.classifier.normalise import Normalisation, normalise_texts

# Every output column a pipeline may have, in order: P(needs moderation), abuse and spam (trained on every row, as
# since the first version), then the category targets (trained only on rows of sources that label them). A fitted
# pipeline has a prefix-ordered subset: the first three plus each category its data labels (``trainable_targets``);
# the model card's ``targets`` names its columns.
BASE_TARGETS: tuple[str, ...] = ("moderation", ABUSE, SPAM)
TARGETS: tuple[str, ...] = (*BASE_TARGETS, *CATEGORY_TARGETS)
logger = logging.getLogger(__name__)
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


def build_calibrated(params: Hyperparams, seed: int = 0) -> CalibratedClassifierCV:
    """One target's linear model, calibrated on held-out folds (one classifier: ensemble=False)."""
    return CalibratedClassifierCV(
        build_linear(params, seed),
        method=params.calibration,
        cv=StratifiedKFold(n_splits=params.calibration_folds, shuffle=True, random_state=seed),
        ensemble=False,
    )


def build_pipeline(params: Hyperparams | None = None, seed: int = 0) -> Pipeline:
    """Features + one sigmoid/isotonic-calibrated logistic regression per target (held-out-fold calibration)."""
    params = params or Hyperparams()
    calibrated = build_calibrated(params, seed)
    return Pipeline([("features", build_features(params)), ("clf", MultiOutputClassifier(calibrated))])


def target_labels(rows: Sequence[Row], target: str) -> np.ndarray:
    """One target's labels: 1, 0, or UNLABELLED (-1) where the row's source does not annotate that category."""
    if target == "moderation":
        return np.array([r.label for r in rows], dtype=np.int64)
    if target in (ABUSE, SPAM):
        # Abuse and spam keep their first definition (every row labelled): the abuse sets' comments are not spam
        # and the spam sets' messages are not abuse, and the Arabic spam set has no negatives of its own.
        return np.array([int(r.category == target) for r in rows], dtype=np.int64)
    return np.array([category_label(r, target) for r in rows], dtype=np.int64)


def target_matrix(rows: Sequence[Row], targets: Sequence[str] = BASE_TARGETS) -> np.ndarray:
    """Labels per target column (default: needs moderation, is abuse, is spam); -1 = unlabelled."""
    return np.column_stack([target_labels(rows, t) for t in targets]).astype(np.int64)


def trainable_targets(rows: Sequence[Row]) -> tuple[str, ...]:
    """BASE_TARGETS plus each category with at least MIN_CATEGORY_POSITIVES labelled positives and negatives."""
    found = []
    for category in CATEGORY_TARGETS:
        y = target_labels(rows, category)
        if min(int((y == 1).sum()), int((y == 0).sum())) >= MIN_CATEGORY_POSITIVES:
            found.append(category)
    return (*BASE_TARGETS, *found)


def source_weights(rows: Sequence[Row]) -> np.ndarray:
    """Sample weights giving every source the same total weight (mean weight 1)."""
    sources = [r.source for r in rows]
    names, inverse, counts = np.unique(np.array(sources), return_inverse=True, return_counts=True)
    per_row = 1.0 / counts[inverse]
    return np.asarray(per_row * len(rows) / len(names), dtype=np.float64)


def normalised(rows: Sequence[Row], params: Hyperparams) -> list[str]:
    """The rows' texts as the pipeline sees them (normalised per params.normalisation)."""
    return normalise_texts([r.text for r in rows], params.text_normalisation())


def fit_pipeline(
    rows: Sequence[Row], params: Hyperparams, seed: int, targets: Sequence[str] = BASE_TARGETS
) -> Pipeline:
    """Fit the features on every row, then each target's calibrated model on the rows labelled for it only.

    The fitted per-target estimators are assembled into the MultiOutputClassifier's ``estimators_`` (what its own
    fit would produce when every row is labelled, and a plain scikit-learn object either way, so the artifact stays
    loadable with skops' allow-list). Source weights, when on, are computed over each target's own rows.
    """
    features = build_features(params)
    x = features.fit_transform(normalised(rows, params))
    estimators = []
    for target in targets:
        y = target_labels(rows, target)
        keep = np.flatnonzero(y != UNLABELLED)
        weights = source_weights([rows[i] for i in keep.tolist()]) if params.source_weighting else None
        estimators.append(build_calibrated(params, seed).fit(x[keep], y[keep], sample_weight=weights))
        logger.info("fit target=%s labelled_rows=%d positives=%d", target, keep.size, int(y[keep].sum()))
    clf = MultiOutputClassifier(build_calibrated(params, seed))
    clf.estimators_ = estimators
    return Pipeline([("features", features), ("clf", clf)])


def predict_targets(pipeline: Pipeline, texts: Sequence[str]) -> np.ndarray:
    """The reference (plain scikit-learn) path: shape (n, fitted targets) of calibrated probabilities."""
    probas = pipeline.predict_proba(list(texts))
    return np.column_stack([p[:, 1] for p in probas])
