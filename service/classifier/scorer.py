"""The scoring API the service calls: load a model folder once, then score comments fast, per language."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.pipeline import Pipeline

from service.classifier.artifact import (
    PRIMARY_LANGUAGE,
    ArtifactError,
    language_sections,
    load_version,
    primary_language,
)
from service.classifier.blend import STACKING, BlendWeights, FastBlend, blend_probability
from service.classifier.explain import Explanation, top_terms
from service.classifier.fast import FastModel, UnsupportedPipeline
from service.classifier.normalise import NONE, Normalisation, normalise_texts, word_normaliser
from service.classifier.pipeline import TARGETS, predict_targets

__all__ = ["Explanation", "LanguageModel", "Score", "Scorer", "ScoringError", "UnsupportedLanguage"]


class ScoringError(RuntimeError):
    """A text could not be scored (wrong type or an internal failure); callers queue the comment."""


class UnsupportedLanguage(ScoringError):
    """The model version has no pipeline for the requested language: the comment is unscored, never published."""

    def __init__(self, language: str, supported: Sequence[str]) -> None:
        super().__init__(f"no model for language {language!r} in this version (it covers {', '.join(supported)})")
        self.language = language
        self.supported = tuple(supported)


@dataclass(frozen=True, slots=True)
class Score:
    """Calibrated P(needs moderation), calibrated per-category probabilities, top terms, model version and the
    language whose model scored it."""

    probability: float
    categories: dict[str, float]
    explanation: list[Explanation]
    model_version: str
    language: str = PRIMARY_LANGUAGE


def _normalisation(section: dict[str, Any]) -> Normalisation:
    """The text normalisation a card section's pipeline was trained with (none for cards that predate it)."""
    params = section.get("hyperparameters", {})
    try:
        return Normalisation(
            str(params.get("normalisation", NONE)),
            int(params.get("repeat_max", 2)),
            bool(params.get("fold_hamza_seats", True)),
            bool(params.get("fold_letters", True)),
        )
    except (TypeError, ValueError) as exc:
        raise ArtifactError(f"model card names an unusable normalisation: {exc}") from exc


def _targets(section: dict[str, Any], pipeline: Pipeline) -> tuple[str, ...]:
    """The names of the pipeline's output columns: the card's ``targets`` (cards before categories: the first ones)."""
    count = len(pipeline.named_steps["clf"].estimators_)
    names = tuple(str(t) for t in section.get("targets", TARGETS[:count]))
    if len(names) != count or names[0] != TARGETS[0] or not set(names) <= set(TARGETS):
        raise ArtifactError(f"model card targets {list(names)} do not match the pipeline's {count} outputs")
    return names


class LanguageModel:
    """One language's compiled pipeline (a public model, or a site blend) with its text normalisation."""

    def __init__(
        self, language: str, pipeline: Pipeline, section: dict[str, Any], site_pipeline: Pipeline | None = None
    ) -> None:
        self.language = language
        self.pipeline = pipeline
        self.site_pipeline = site_pipeline
        self.section = section
        self.normalisation = _normalisation(section)
        self.targets = _targets(section, pipeline)
        self.blend: BlendWeights | None = None
        self.fast: FastModel | FastBlend
        word = word_normaliser(self.normalisation)
        try:
            self.fast = FastModel(pipeline, word)
            if section.get("blend", {}).get("method") == STACKING:
                if site_pipeline is None:
                    raise ArtifactError(f"the {language} model is a site blend but has no site model")
                self.blend = BlendWeights.from_card(section["blend"])
                self.fast = FastBlend(self.fast, FastModel(site_pipeline, word), self.blend)
        except (UnsupportedPipeline, AttributeError, KeyError, TypeError, ValueError) as exc:
            raise ArtifactError(f"the {language} model has an unexpected structure: {exc}") from exc

    def reference_probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """Plain ``predict_proba`` on the normalised texts (slow; for tests and benchmarks)."""
        normalised = normalise_texts(list(texts), self.normalisation)
        probas = predict_targets(self.pipeline, normalised)
        if self.blend is not None and self.site_pipeline is not None:
            site = predict_targets(self.site_pipeline, normalised)[:, 0]
            probas[:, 0] = blend_probability(self.blend, probas, site)
        return probas


class Scorer:
    """A loaded model version: one compiled model per language, for fast in-process scoring."""

    def __init__(
        self,
        pipeline: Pipeline,
        card: dict[str, Any],
        model_version: str,
        site_pipeline: Pipeline | None = None,
        language: str = PRIMARY_LANGUAGE,
    ) -> None:
        """A single-language scorer from a fitted pipeline (``card`` holds its hyper-parameters and blend, if any)."""
        self._setup({language: LanguageModel(language, pipeline, card, site_pipeline)}, card, model_version)

    def _setup(self, models: dict[str, LanguageModel], card: dict[str, Any], model_version: str) -> None:
        self.models = models
        self.card = card
        self.model_version = model_version
        self.primary = models[primary_language(list(models))]

    @classmethod
    def load(cls, path: Path | str) -> Scorer:
        """Load a model version folder (e.g. models/2026-12-03.1); raises ArtifactError when unusable."""
        loaded, card = load_version(path)
        sections = language_sections(card)
        models = {
            language: LanguageModel(language, public, sections[language], site)
            for language, (public, site) in loaded.items()
        }
        scorer = cls.__new__(cls)
        scorer._setup(models, card, str(card.get("version") or Path(path).name))
        return scorer

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages this version scores, in name order."""
        return tuple(sorted(self.models))

    @property
    def categories(self) -> frozenset[str]:
        """The categories scored by at least one language's model (the card's targets after needs-moderation)."""
        return frozenset(name for model in self.models.values() for name in model.targets[1:])

    @property
    def pipeline(self) -> Pipeline:
        """The primary language's public pipeline (English when present)."""
        return self.primary.pipeline

    @property
    def site_pipeline(self) -> Pipeline | None:
        """The primary language's site pipeline, if it is a site blend."""
        return self.primary.site_pipeline

    @property
    def blend(self) -> BlendWeights | None:
        """The primary language's blend weights, if it is a site blend."""
        return self.primary.blend

    @property
    def _fast(self) -> FastModel | FastBlend:
        return self.primary.fast

    def model(self, language: str) -> LanguageModel:
        """The compiled model of a language; UnsupportedLanguage when this version has none."""
        found = self.models.get(language)
        if found is None:
            raise UnsupportedLanguage(language, self.languages)
        return found

    def thresholds(self, language: str = PRIMARY_LANGUAGE) -> dict[str, Any]:
        """That language's suggested thresholds from its card: {'publish_below', 'reject_at'} (empty if none)."""
        found = self.model(language).section.get("thresholds", {})
        return {k: found[k] for k in ("publish_below", "reject_at") if k in found}

    def score(self, text: str, language: str = PRIMARY_LANGUAGE) -> Score:
        """Score one comment with the model of its language."""
        return self.score_many([text], language)[0]

    def score_many(self, texts: Sequence[str], language: str = PRIMARY_LANGUAGE) -> list[Score]:
        """Score a batch of comments of one language (calibration vectorised over the batch)."""
        if isinstance(texts, str) or not all(isinstance(t, str) for t in texts):
            raise ScoringError("texts must be a sequence of str")
        model = self.model(language)
        try:
            analyses = model.fast.analyse_many(texts)
        except Exception as exc:
            raise ScoringError(f"scoring failed: {type(exc).__name__}: {exc}") from exc
        scores = []
        for text, analysis in zip(texts, analyses, strict=True):
            probs = np.clip(analysis.probabilities, 0.0, 1.0).tolist()
            scores.append(
                Score(
                    probability=probs[0],
                    categories=dict(zip(model.targets[1:], probs[1:], strict=True)),
                    explanation=top_terms(text, analysis.spans, analysis.contributions),
                    model_version=self.model_version,
                    language=language,
                )
            )
        return scores

    def explain_category(self, text: str, category: str, language: str = PRIMARY_LANGUAGE) -> list[Explanation]:
        """The words that drove one category's score (its public model's decision value; the site blend only
        changes needs-moderation). Empty when the language's model does not score that category."""
        model = self.model(language)
        if category not in model.targets[1:]:
            return []
        fast = model.fast.public if isinstance(model.fast, FastBlend) else model.fast
        spans, contributions = fast.target_contributions(text, model.targets.index(category))
        return top_terms(text, spans, contributions)

    def probabilities(self, texts: Sequence[str], language: str = PRIMARY_LANGUAGE) -> np.ndarray:
        """Fast-path calibrated probabilities, shape (n, targets): needs moderation, then each category of the
        language's model (``model(language).targets``), no explanations."""
        model = self.model(language)
        analyses = model.fast.analyse_many(texts)
        return np.array([a.probabilities for a in analyses]).reshape(len(texts), len(model.targets))

    def reference_probabilities(self, texts: Sequence[str], language: str = PRIMARY_LANGUAGE) -> list[list[float]]:
        """The same probabilities through plain ``pipeline.predict_proba`` (slow; for tests and benchmarks)."""
        return [[float(v) for v in row] for row in self.model(language).reference_probabilities(texts)]
