"""The scoring step: the comment's language, then the active classifier of each language in it, or an honest
"unscored" when there is no model or it fails."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from service.classifier.artifact import ArtifactError
from service.classifier.scorer import Explanation, Score, Scorer
from service.errors import ServiceUnavailable
from service.language import UNDETERMINED, identify, load_detector

logger = logging.getLogger(__name__)
# Languages identified even when no model is loaded, so the stored language is still right in fail-safe mode.
SUPPORTABLE = ("en", "ar")


@dataclass(frozen=True)
class Assessment:
    """What the classifier says about one comment: its language, one score per covered language present in it, and
    the languages present that no model covers. No score and nothing unsupported means it could not be scored."""

    language: str
    scores: tuple[Score, ...] = ()
    unsupported: tuple[str, ...] = ()


@dataclass
class LiveModels:
    """Holds the loaded models of this process; `assess()` never raises: a comment it cannot score has no scores."""

    active: Scorer | None
    fail_safe: bool = False
    shadow: Scorer | None = None
    # Called after every scoring attempt with (seconds, scored?): metrics observe here, so the domain stays unaware.
    observers: list[Callable[[float, bool], None]] = field(default_factory=list)
    _loading: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def load(cls, model_path: Path, fail_safe: bool) -> LiveModels:
        """Load the configured model once; refuse to start without it unless fail-safe mode queues everything."""
        # The language detector too, so that no reader's comment waits for it (gunicorn forks after this).
        load_detector()
        try:
            scorer = Scorer.load(model_path)
        except ArtifactError as exc:
            if not fail_safe:
                raise
            logger.error("model unavailable, fail-safe mode queues every comment path=%s error=%s", model_path, exc)
            return cls(active=None, fail_safe=True)
        logger.info("model loaded version=%s path=%s", scorer.model_version, model_path)
        return cls(active=scorer, fail_safe=fail_safe)

    @property
    def model_version(self) -> str | None:
        return self.active.model_version if self.active else None

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages the active version scores (none in fail-safe mode)."""
        return self.active.languages if self.active else ()

    @property
    def categories(self) -> frozenset[str]:
        """The categories the active version scores in at least one language (none in fail-safe mode)."""
        return self.active.categories if self.active else frozenset()

    def assess(self, text: str) -> Assessment:
        """Identify the comment's languages and score it with the model of each covered one. A comment too short to
        have a language is scored by every model (the strictest outcome decides later)."""
        started = time.perf_counter()
        assessment = Assessment(UNDETERMINED)
        try:
            assessment = self._assess(text)
        except Exception:  # noqa: BLE001 - a scoring bug must queue the comment, never lose or publish it
            logger.exception("scoring failed model=%s", self.model_version)
        elapsed = time.perf_counter() - started
        for observe in self.observers:
            observe(elapsed, bool(assessment.scores))
        return assessment

    def _assess(self, text: str) -> Assessment:
        identified = identify(text, self.languages or SUPPORTABLE)
        if self.active is None:
            return Assessment(identified.language)
        languages = self.languages if identified.neutral else identified.present
        scores = tuple(self.active.score(text, language) for language in languages)
        return Assessment(identified.language, scores, identified.unsupported)

    def score_now(self, texts: list[str]) -> list[Assessment]:
        """Assess texts for a caller who waits for the answer (nothing is stored); 503 in fail-safe mode."""
        if self.active is None:
            raise ServiceUnavailable("No classifier is loaded (fail-safe mode).")
        return [self._assess(text) for text in texts]

    def sync(self, active: tuple[str, Path] | None, shadow: tuple[str, Path] | None, background: bool = True) -> None:
        """Follow the registry: load a newly promoted or shadowed version and swap it in once loaded, so requests
        keep being served by the old model meanwhile (no restart, no failed request)."""
        if active is not None and (self.active is None or self.active.model_version != active[0]):
            self._load_then(active, "active", background)
        if shadow is None:
            self.shadow = None
        elif self.shadow is None or self.shadow.model_version != shadow[0]:
            self._load_then(shadow, "shadow", background)

    def _load_then(self, target: tuple[str, Path], slot: str, background: bool) -> None:
        version, path = target
        with self._lock:
            if version in self._loading:
                return
            self._loading.add(version)

        def load() -> None:
            try:
                scorer = Scorer.load(path)
                setattr(self, slot, scorer)
                logger.info("model switched slot=%s version=%s", slot, version)
            except ArtifactError as exc:
                logger.error("model switch failed slot=%s version=%s error=%s", slot, version, exc)
            finally:
                with self._lock:
                    self._loading.discard(version)

        if background:
            threading.Thread(target=load, name=f"load-model-{version}", daemon=True).start()
        else:
            load()

    def explain_categories(self, text: str, score: Score, categories: Sequence[str]) -> dict[str, list[Explanation]]:
        """The words behind each named category's score by the version that gave `score`; nothing when that version
        is no longer the active one (a promotion between scoring and explaining) or when explaining fails: an
        explanation is help for a moderator, never a reason to lose the comment."""
        active = self.active
        if active is None or active.model_version != score.model_version:
            return {}
        try:
            return {name: active.explain_category(text, name, score.language) for name in categories}
        except Exception:  # noqa: BLE001 - see the docstring
            logger.exception("category explanation failed model=%s", score.model_version)
            return {}

    def score_shadow(self, text: str, language: str) -> Score | None:
        """Score with the shadow model in the language that decided, if it has one; stored, never acted on."""
        if self.shadow is None or language not in self.shadow.languages:
            return None
        try:
            return self.shadow.score(text, language)
        except Exception:  # noqa: BLE001 - a broken shadow model must not affect the live decision
            logger.exception("shadow scoring failed model=%s", self.shadow.model_version)
            return None
