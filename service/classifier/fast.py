"""Hot-path scoring: the fitted pipeline's vocabularies, idf, coefficients and calibration maps applied directly.

It reproduces ``pipeline.predict_proba`` (tests hold it to 1e-9) without scikit-learn's per-call overhead, and keeps,
per whitespace-delimited word of the input, how much each n-gram it produced added to the moderation logit. A language
whose pipeline was trained on normalised text (normalise.py) gets its word normaliser here: each original word is
normalised once (memoised in the same per-word cache), spans stay offsets into the original text.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.special import expit
from sklearn.calibration import _SigmoidCalibration
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.isotonic import IsotonicRegression
from sklearn.pipeline import Pipeline

_NON_SPACE = re.compile(r"\S+")
_CACHE_SIZE = 100_000  # distinct words remembered between calls, least recently used forgotten first
_EMPTY_IDS = np.zeros(0, dtype=np.int64)


@dataclass(frozen=True, slots=True)
class Analysis:
    """Scores of one text plus each whitespace word's (start, end) span and signed moderation-logit contribution."""

    probabilities: np.ndarray
    spans: list[tuple[int, int]]
    contributions: np.ndarray


class UnsupportedPipeline(ValueError):
    """The pipeline uses an option the fast path does not reproduce."""


def _check_vectorizer(vec: TfidfVectorizer, analyzer: str) -> None:
    expected = {
        "analyzer": analyzer,
        "lowercase": True,
        "preprocessor": None,
        "tokenizer": None,
        "strip_accents": None,
        "stop_words": None,
        "binary": False,
        "norm": "l2",
        "use_idf": True,
        "input": "content",
    }
    for name, value in expected.items():
        if getattr(vec, name) != value:
            raise UnsupportedPipeline(f"{analyzer} vectorizer has {name}={getattr(vec, name)!r}, expected {value!r}")


class Calibration:
    """One target's calibration map (sigmoid or isotonic), vectorised with numpy."""

    def __init__(self, calibrator: object) -> None:
        if isinstance(calibrator, _SigmoidCalibration):
            self.kind = "sigmoid"
            self.a = float(calibrator.a_)
            self.b = float(calibrator.b_)
        elif isinstance(calibrator, IsotonicRegression):
            self.kind = "isotonic"
            self.x = np.asarray(calibrator.X_thresholds_, dtype=np.float64)
            self.y = np.asarray(calibrator.y_thresholds_, dtype=np.float64)
        else:
            raise UnsupportedPipeline(f"unsupported calibrator {type(calibrator).__name__}")

    def __call__(self, logits: np.ndarray) -> np.ndarray:
        """Calibrated probability for raw decision values."""
        if self.kind == "sigmoid":
            return np.asarray(expit(-(self.a * logits + self.b)), dtype=np.float64)
        return np.asarray(np.interp(logits, self.x, self.y), dtype=np.float64)


class FastModel:
    """A fitted moderato pipeline compiled into plain dicts and numpy arrays."""

    def __init__(self, pipeline: Pipeline, normalise: Callable[[str], str] | None = None) -> None:
        self.normalise = normalise
        union = pipeline.named_steps["features"]
        vectorizers = dict(union.transformer_list)
        word, char = vectorizers["word"], vectorizers["char"]
        _check_vectorizer(word, "word")
        _check_vectorizer(char, "char_wb")
        self.word_vocab: dict[str, int] = word.vocabulary_
        self.char_vocab: dict[str, int] = {t: i + len(word.vocabulary_) for t, i in char.vocabulary_.items()}
        self.n_word = len(word.vocabulary_)
        self.idf = np.concatenate([word.idf_, char.idf_]).astype(np.float64)
        self.word_ngrams: tuple[int, int] = tuple(word.ngram_range)
        self.char_ngrams: tuple[int, int] = tuple(char.ngram_range)
        self.word_sublinear = bool(word.sublinear_tf)
        self.char_sublinear = bool(char.sublinear_tf)
        self.token_re = re.compile(word.token_pattern)
        coefs, intercepts, calibrations = [], [], []
        for estimator in pipeline.named_steps["clf"].estimators_:
            if len(estimator.calibrated_classifiers_) != 1:
                raise UnsupportedPipeline("expected CalibratedClassifierCV(ensemble=False)")
            calibrated = estimator.calibrated_classifiers_[0]
            linear = calibrated.estimator
            coefs.append(np.asarray(linear.coef_[0], dtype=np.float64))
            intercepts.append(float(linear.intercept_[0]))
            calibrations.append(Calibration(calibrated.calibrators[0]))
        self.coef = np.ascontiguousarray(np.column_stack(coefs))
        self.intercept = np.array(intercepts, dtype=np.float64)
        self.calibrations = calibrations
        # All-sigmoid calibration (the shipped recipe) is one expit over every target, not one call per target.
        self._sigmoid: tuple[np.ndarray, np.ndarray] | None = None
        if all(c.kind == "sigmoid" for c in calibrations):
            self._sigmoid = (np.array([c.a for c in calibrations]), np.array([c.b for c in calibrations]))
        # Per-word contributions are to the moderation logit, or to this mix of the targets' logits (a site blend).
        self.mix: np.ndarray | None = None
        # Per instance, so a retired version's words go with it. Least recently used first: Arabic news comments
        # bring 100,000 distinct words in under 30,000 comments, and forgetting the frequent ones with the rare
        # ones made the next few thousand comments about 15% dearer (bench/NOTES.md).
        self._word_parts = functools.lru_cache(maxsize=_CACHE_SIZE)(self._parts_of_word)

    def _char_ngrams(self, word: str) -> list[str]:
        # Same n-grams, in the same cases, as sklearn's CountVectorizer._char_wb_ngrams for one word: every n-gram of
        # each length shorter than the padded word, then the padded word itself once if some length reaches it.
        padded = " " + word + " "
        size = len(padded)
        lo, hi = self.char_ngrams
        grams = [padded[i : i + n] for n in range(lo, min(hi, size - 1) + 1) for i in range(size - n + 1)]
        if hi >= size:
            grams.append(padded)
        return grams

    def _parts_of_word(self, word: str) -> tuple[np.ndarray, list[str]]:
        """Known char n-gram and unigram ids of one whitespace-delimited word, and its word tokens (memoised by
        ``_word_parts``)."""
        lowered = (self.normalise(word) if self.normalise is not None else word).lower()
        if not lowered:  # a word made only of removed characters (tatweel, marks, ZWNJ) has no features
            return _EMPTY_IDS, []
        ids = [j for j in map(self.char_vocab.get, self._char_ngrams(lowered)) if j is not None]
        tokens = self.token_re.findall(lowered)
        if self.word_ngrams[0] == 1:
            ids += [j for j in map(self.word_vocab.get, tokens) if j is not None]
        return np.array(ids, dtype=np.int64), tokens

    def _features(self, text: str) -> tuple[list[tuple[int, int]], np.ndarray, np.ndarray, np.ndarray]:
        """Word spans plus occurrences: feature index, owning word index, share of the occurrence given to it.

        A word n-gram of n tokens occurs once per token, owned by that token's word, with share 1/n.
        """
        matches = list(_NON_SPACE.finditer(text))
        spans = [m.span() for m in matches]
        word_parts = self._word_parts
        parts = [word_parts(m.group()) for m in matches]
        feats = [p[0] for p in parts]
        sizes = [f.size for f in feats]
        owners = [np.repeat(np.arange(len(parts)), sizes)]
        shares = [np.ones(sum(sizes), dtype=np.float64)]
        lo, hi = self.word_ngrams
        if hi >= 2:
            tokens: list[str] = []
            token_owner: list[int] = []
            for w, (_, word_tokens) in enumerate(parts):
                if word_tokens:
                    tokens += word_tokens
                    token_owner += [w] * len(word_tokens)
            word_get = self.word_vocab.get
            for n in range(max(lo, 2), hi + 1):
                grams = [" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]
                multi: list[int] = []
                multi_owner: list[int] = []
                for i, j in enumerate(map(word_get, grams)):
                    if j is not None:
                        multi += [j] * n
                        multi_owner += token_owner[i : i + n]
                if multi:
                    feats.append(np.array(multi, dtype=np.int64))
                    owners.append(np.array(multi_owner, dtype=np.int64))
                    shares.append(np.full(len(multi), 1.0 / n))
        if not feats:
            return spans, _EMPTY_IDS, _EMPTY_IDS, np.zeros(0, dtype=np.float64)
        return spans, np.concatenate(feats), np.concatenate(owners), np.concatenate(shares)

    def _vector(self, feats: np.ndarray, shares: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Distinct features, each occurrence's position among them, counts, and TF-IDF values.

        Each block (word, char) is L2-normalised on its own, as the FeatureUnion of two TfidfVectorizers does.
        This is np.unique(return_inverse=True) written out: the wrapper's checks cost as much as the sort here.
        """
        order = feats.argsort()
        ordered = feats[order]
        first = np.empty(ordered.size, dtype=bool)
        first[0] = True
        np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
        index = ordered[first]
        inverse = np.empty(ordered.size, dtype=np.intp)
        inverse[order] = np.cumsum(first) - 1
        # A word n-gram spanning n words appears n times with share 1/n: summing shares counts it once.
        counts = np.rint(np.bincount(inverse, weights=shares))
        split = int(index.searchsorted(self.n_word))  # word features have the lower ids, so they sort first
        words, chars = slice(0, split), slice(split, None)
        tf = counts.copy()
        for block, sublinear in ((words, self.word_sublinear), (chars, self.char_sublinear)):
            if sublinear:
                tf[block] = np.log(tf[block]) + 1.0
        values = tf * self.idf[index]
        for block in (words, chars):
            part = values[block]
            norm = math.sqrt(float(part @ part))
            if norm > 0:
                part /= norm
        return index, inverse, counts, values

    def _logits(self, text: str, target: int | None = None) -> tuple[np.ndarray, list[tuple[int, int]], np.ndarray]:
        """Raw decision values per target, word spans and per-word contributions to the moderation logit (or to
        the mix of a site blend; or, given ``target``, to that target's decision value)."""
        spans, feats, owners, share_arr = self._features(text)
        if not feats.size:
            return self.intercept.copy(), spans, np.zeros(len(spans), dtype=np.float64)
        index, inverse, counts, values = self._vector(feats, share_arr)
        weights = self.coef[index]
        logits = values @ weights + self.intercept
        # Split each feature's contribution (value x coefficient) over its occurrences, then sum per word.
        if target is not None:
            column = weights[:, target]
        else:
            column = weights[:, 0] if self.mix is None else weights @ self.mix
        per_occurrence = (values * column / counts)[inverse] * share_arr
        contributions = np.bincount(owners, weights=per_occurrence, minlength=len(spans))
        return logits, spans, contributions

    def target_contributions(self, text: str, target: int) -> tuple[list[tuple[int, int]], np.ndarray]:
        """Word spans and each word's contribution to one target's decision value (a category's explanation:
        computed on demand, so scoring pays nothing for it). With the intercept they add up to that value."""
        _, spans, contributions = self._logits(text, target)
        return spans, contributions

    def calibrate(self, logits: np.ndarray) -> np.ndarray:
        """Apply each target's calibration map to a (n, targets) matrix of decision values."""
        if self._sigmoid is not None:
            a, b = self._sigmoid
            return np.asarray(expit(-(a * logits + b)), dtype=np.float64)
        return np.column_stack([cal(logits[:, t]) for t, cal in enumerate(self.calibrations)])

    def analyse(self, text: str) -> Analysis:
        """Calibrated probabilities per target and per-word contributions for one text."""
        return self.analyse_many([text])[0]

    def analyse_many(self, texts: Sequence[str]) -> list[Analysis]:
        """Analyse texts, applying the calibration maps once per target over the whole batch."""
        parts = [self._logits(text) for text in texts]
        if not parts:
            return []
        probabilities = self.calibrate(np.vstack([p[0] for p in parts]))
        return [
            Analysis(probabilities=probabilities[i], spans=spans, contributions=contributions)
            for i, (_, spans, contributions) in enumerate(parts)
        ]

    def forget_words(self) -> None:
        """Empty the per-word cache, so the next comment pays for every word's n-gram lookups (benchmarks)."""
        self._word_parts.cache_clear()

    def intercept_logit(self) -> float:
        """The moderation logit of a text with no known n-gram (contributions add up from here)."""
        return float(self.intercept[0])
