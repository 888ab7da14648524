"""Serving a site blend: P(hold) = sigmoid(b + w_public * logit p_public + w_site * logit p_site), fast and explained.

The weights come from stacking fitted in site.py and are stored in the model card's ``blend`` section. Categories
stay the public model's calibrated probabilities (the site's reason codes are too few to recalibrate them). Each
word's explanation weight is its contribution to the blended logit: with sigmoid calibration, logit p = -(a * d + b)
is affine in a model's decision value d, so a word's share of d scaled by -a x w is exact and all weights plus the
blend's intercept add up to the blended logit. With isotonic calibration the scale is w alone (an approximation).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import expit, logit

from service.classifier.fast import Analysis, FastModel

STACKING = "stacking"
PUBLIC_ONLY = "public_only"
# Probabilities are clipped before the logit so an isotonic 0 or 1 cannot produce an infinite blend input.
_CLIP = 1e-6


@dataclass(frozen=True)
class BlendWeights:
    """The stacking logistic regression: intercept and one weight per model's moderation logit."""

    intercept: float
    public: float
    site: float

    def as_dict(self) -> dict[str, float]:
        """The card's ``blend.weights`` entry."""
        return {"intercept": self.intercept, "public": self.public, "site": self.site}

    @classmethod
    def from_card(cls, blend: dict[str, Any]) -> BlendWeights:
        """Read ``blend.weights`` from a model card (KeyError/TypeError/ValueError when malformed)."""
        weights = blend["weights"]
        return cls(float(weights["intercept"]), float(weights["public"]), float(weights["site"]))


def as_logit(p: np.ndarray) -> np.ndarray:
    """Clipped logit of probabilities: the stacking features."""
    return np.asarray(logit(np.clip(np.asarray(p, dtype=np.float64), _CLIP, 1.0 - _CLIP)), dtype=np.float64)


def blend_probability(weights: BlendWeights, p_public: np.ndarray, p_site: np.ndarray) -> np.ndarray:
    """Blended P(this site's moderators would hold it) from both models' moderation probabilities."""
    z = weights.intercept + weights.public * as_logit(p_public) + weights.site * as_logit(p_site)
    return np.asarray(expit(z), dtype=np.float64)


def _logit_slope(model: FastModel) -> float:
    """d logit(p) / d decision value of the moderation target (see the module docstring)."""
    calibration = model.calibrations[0]
    return -calibration.a if calibration.kind == "sigmoid" else 1.0


class FastBlend:
    """Two compiled pipelines and the blend weights, with FastModel's ``analyse_many`` interface."""

    def __init__(self, public: FastModel, site: FastModel, weights: BlendWeights) -> None:
        self.public = public
        self.site = site
        self.weights = weights
        self._scale_public = weights.public * _logit_slope(public)
        self._scale_site = weights.site * _logit_slope(site)

    def analyse(self, text: str) -> Analysis:
        """Blended probabilities and per-word blended-logit contributions for one text."""
        return self.analyse_many([text])[0]

    def analyse_many(self, texts: Sequence[str]) -> list[Analysis]:
        """Analyse texts with both models, then blend P(hold); categories are the public model's."""
        public = self.public.analyse_many(texts)
        site = self.site.analyse_many(texts)
        if not public:
            return []
        p_public = np.array([a.probabilities[0] for a in public])
        p_site = np.array([a.probabilities[0] for a in site])
        blended = blend_probability(self.weights, p_public, p_site)
        results = []
        for i, (pub, own) in enumerate(zip(public, site, strict=True)):
            probabilities = pub.probabilities.copy()
            probabilities[0] = blended[i]
            contributions = self._scale_public * pub.contributions + self._scale_site * own.contributions
            results.append(Analysis(probabilities=probabilities, spans=pub.spans, contributions=contributions))
        return results
