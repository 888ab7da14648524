"""The scoring API the service calls: load a model folder once, then score comments fast."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.pipeline import Pipeline

from service.classifier.artifact import ArtifactError, load_artifact, load_site_pipeline
from service.classifier.blend import STACKING, BlendWeights, FastBlend, blend_probability
from service.classifier.explain import Explanation, top_terms
from service.classifier.fast import FastModel, UnsupportedPipeline
from service.classifier.pipeline import TARGETS, predict_targets

__all__ = ["Explanation", "Score", "Scorer", "ScoringError"]


class ScoringError(RuntimeError):
    """A text could not be scored (wrong type or an internal failure); callers queue the comment."""


@dataclass(frozen=True, slots=True)
class Score:
    """Calibrated P(needs moderation), calibrated per-category probabilities, top terms and the model version."""

    probability: float
    categories: dict[str, float]
    explanation: list[Explanation]
    model_version: str


class Scorer:
    """A loaded model version, compiled for fast in-process scoring (a public model, or a site blend)."""

    def __init__(
        self, pipeline: Pipeline, card: dict[str, Any], model_version: str, site_pipeline: Pipeline | None = None
    ) -> None:
        self.pipeline = pipeline
        self.site_pipeline = site_pipeline
        self.card = card
        self.model_version = model_version
        self.blend: BlendWeights | None = None
        self._fast: FastModel | FastBlend
        try:
            self._fast = FastModel(pipeline)
            if card.get("blend", {}).get("method") == STACKING:
                if site_pipeline is None:
                    raise ArtifactError(f"model {model_version} is a site blend but has no site model")
                self.blend = BlendWeights.from_card(card["blend"])
                self._fast = FastBlend(self._fast, FastModel(site_pipeline), self.blend)
        except (UnsupportedPipeline, AttributeError, KeyError, TypeError, ValueError) as exc:
            raise ArtifactError(f"model {model_version} has an unexpected structure: {exc}") from exc

    @classmethod
    def load(cls, path: Path | str) -> Scorer:
        """Load a model version folder (e.g. models/2026-11-27.1); raises ArtifactError when unusable."""
        pipeline, card = load_artifact(path)
        site_pipeline = load_site_pipeline(path, card)
        return cls(pipeline, card, str(card.get("version") or Path(path).name), site_pipeline)

    def score(self, text: str) -> Score:
        """Score one comment."""
        return self.score_many([text])[0]

    def score_many(self, texts: Sequence[str]) -> list[Score]:
        """Score a batch of comments (calibration vectorised over the batch)."""
        if isinstance(texts, str) or not all(isinstance(t, str) for t in texts):
            raise ScoringError("texts must be a sequence of str")
        try:
            analyses = self._fast.analyse_many(texts)
        except Exception as exc:
            raise ScoringError(f"scoring failed: {type(exc).__name__}: {exc}") from exc
        scores = []
        for text, analysis in zip(texts, analyses, strict=True):
            probs = [min(1.0, max(0.0, float(p))) for p in analysis.probabilities]
            scores.append(
                Score(
                    probability=probs[0],
                    categories=dict(zip(TARGETS[1:], probs[1:], strict=True)),
                    explanation=top_terms(text, analysis.spans, analysis.contributions),
                    model_version=self.model_version,
                )
            )
        return scores

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """Fast-path calibrated probabilities, shape (n, 3): needs moderation, abuse, spam (no explanations)."""
        return np.array([a.probabilities for a in self._fast.analyse_many(texts)]).reshape(len(texts), len(TARGETS))

    def reference_probabilities(self, texts: Sequence[str]) -> list[list[float]]:
        """The same probabilities through plain ``pipeline.predict_proba`` (slow; for tests and benchmarks)."""
        probas = predict_targets(self.pipeline, texts)
        if self.blend is not None and self.site_pipeline is not None:
            probas[:, 0] = blend_probability(self.blend, probas[:, 0], predict_targets(self.site_pipeline, texts)[:, 0])
        return [[float(v) for v in row] for row in probas]
