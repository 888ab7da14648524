"""The scoring step: the active classifier, or an honest "unscored" when there is none or it fails."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from service.classifier.artifact import ArtifactError
from service.classifier.scorer import Score, Scorer
from service.errors import ServiceUnavailable

logger = logging.getLogger(__name__)


@dataclass
class LiveModels:
    """Holds the loaded models of this process; `score()` never raises, it returns None when it cannot score."""

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

    def score(self, text: str) -> Score | None:
        """Score one comment with the active model; None (never an exception) means "could not score"."""
        started = time.perf_counter()
        result: Score | None = None
        if self.active is not None:
            try:
                result = self.active.score(text)
            except Exception:  # noqa: BLE001 - a scoring bug must queue the comment, never lose or publish it
                logger.exception("scoring failed model=%s", self.active.model_version)
        elapsed = time.perf_counter() - started
        for observe in self.observers:
            observe(elapsed, result is not None)
        return result

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

    def score_now(self, texts: list[str]) -> list[Score]:
        """Score texts for a caller who waits for the answer (nothing is stored); 503 in fail-safe mode."""
        if self.active is None:
            raise ServiceUnavailable("No classifier is loaded (fail-safe mode).")
        return self.active.score_many(texts)

    def score_shadow(self, text: str) -> Score | None:
        """Score with the shadow model, if any; its result is stored but never acted on."""
        if self.shadow is None:
            return None
        try:
            return self.shadow.score(text)
        except Exception:  # noqa: BLE001 - a broken shadow model must not affect the live decision
            logger.exception("shadow scoring failed model=%s", self.shadow.model_version)
            return None
