"""Serving a site blend: P(hold) = sigmoid(b + w_public * logit p_public + w_site * logit p_site), fast and explained.

The weights come from stacking fitted in site.py and are stored in the model card's ``blend`` section; a blend may
also read the public model's abuse and spam logits (``+ w_abuse * logit p_abuse + w_spam * logit p_spam``). Categories
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
CATEGORY_NAMES = ("abuse", "spam")
PUBLIC_ONLY = "public_only"
# Probabilities are clipped before the logit so an isotonic 0 or 1 cannot produce an infinite blend input.
_CLIP = 1e-6


@dataclass(frozen=True)
class BlendWeights:
    """The stacking logistic regression: intercept and one weight per model's moderation logit."""

    intercept: float
    public: float
    site: float
    # Weights of the public model's category logits (abuse, spam), when the stacking used them.
    categories: tuple[float, ...] = ()

    def as_dict(self) -> dict[str, float]:
        """The card's ``blend.weights`` entry."""
        found = {"intercept": self.intercept, "public": self.public, "site": self.site}
        return found | dict(zip(CATEGORY_NAMES, self.categories, strict=False))

    @classmethod
    def from_card(cls, blend: dict[str, Any]) -> BlendWeights:
        """Read ``blend.weights`` from a model card (KeyError/TypeError/ValueError when malformed)."""
        weights = blend["weights"]
        categories = tuple(float(weights[name]) for name in CATEGORY_NAMES if name in weights)
        if categories and len(categories) != len(CATEGORY_NAMES):
            raise ValueError(f"blend weights name some but not all of {CATEGORY_NAMES}")
        return cls(float(weights["intercept"]), float(weights["public"]), float(weights["site"]), categories)


def as_logit(p: np.ndarray) -> np.ndarray:
    """Clipped logit of probabilities: the stacking features."""
    return np.asarray(logit(np.clip(np.asarray(p, dtype=np.float64), _CLIP, 1.0 - _CLIP)), dtype=np.float64)


def blend_probability(weights: BlendWeights, p_public: np.ndarray, p_site: np.ndarray) -> np.ndarray:
    """Blended P(this site's moderators would hold it) from the public model's probabilities (n, targets), or its
    moderation column alone when the weights use no categories, and the site model's moderation probabilities."""
    p_public = np.asarray(p_public, dtype=np.float64)
    moderation = p_public if p_public.ndim == 1 else p_public[:, 0]
    z = weights.intercept + weights.public * as_logit(moderation) + weights.site * as_logit(p_site)
    if weights.categories:
        z = z + as_logit(p_public[:, 1 : 1 + len(weights.categories)]) @ np.array(weights.categories)
    return np.asarray(expit(z), dtype=np.float64)


def _logit_slope(model: FastModel, target: int = 0) -> float:
    """d logit(p) / d decision value of a target (see the module docstring)."""
    calibration = model.calibrations[target]
    return -calibration.a if calibration.kind == "sigmoid" else 1.0


class FastBlend:
    """Two compiled pipelines and the blend weights, with FastModel's ``analyse_many`` interface."""

    def __init__(self, public: FastModel, site: FastModel, weights: BlendWeights) -> None:
        self.public = public
        self.site = site
        self.weights = weights
        self._scale_public = weights.public * _logit_slope(public)
        if weights.categories:
            # The public model's words count through every target the blend reads: weight x slope per target.
            # Targets the blend does not read (threat, hate...) get no weight.
            targets = (weights.public, *weights.categories)
            mix = np.zeros(len(public.calibrations), dtype=np.float64)
            mix[: len(targets)] = [w * _logit_slope(public, t) for t, w in enumerate(targets)]
            public.mix = mix
            self._scale_public = 1.0
        self._scale_site = weights.site * _logit_slope(site)

    def forget_words(self) -> None:
        """Empty both models' per-word caches."""
        self.public.forget_words()
        self.site.forget_words()

    def analyse(self, text: str) -> Analysis:
        """Blended probabilities and per-word blended-logit contributions for one text."""
        return self.analyse_many([text])[0]

    def analyse_many(self, texts: Sequence[str]) -> list[Analysis]:
        """Analyse texts with both models, then blend P(hold); categories are the public model's."""
        public = self.public.analyse_many(texts)
        site = self.site.analyse_many(texts)
        if not public:
            return []
        p_public = np.array([a.probabilities for a in public])
        p_site = np.array([a.probabilities[0] for a in site])
        blended = blend_probability(self.weights, p_public, p_site)
        results = []
        for i, (pub, own) in enumerate(zip(public, site, strict=True)):
            probabilities = pub.probabilities.copy()
            probabilities[0] = blended[i]
            contributions = self._scale_public * pub.contributions + self._scale_site * own.contributions
            results.append(Analysis(probabilities=probabilities, spans=pub.spans, contributions=contributions))
        return results
