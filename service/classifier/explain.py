"""Explanations: the words whose n-grams pushed the moderation score up or down most, with character offsets.

Every n-gram feature is attributed to the whitespace-delimited word(s) that produced it: a char n-gram to its word, a
word bigram half to each of its two words. A word's weight is the sum of (TF-IDF value x coefficient) of its n-grams,
split evenly over repeated occurrences, so all weights plus the intercept add up to the moderation logit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

MAX_TERMS = 10
_EDGE_PUNCTUATION = "\"'`.,;:!?()[]{}<>*_~«»“”‘’،؛؟"


@dataclass(frozen=True, slots=True)
class Explanation:
    """One highlighted term: its text, signed logit contribution and [start, end) character offsets in the input."""

    term: str
    weight: float
    start: int
    end: int


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink a span past surrounding punctuation so pages highlight the word itself."""
    s, e = start, end
    while s < e and text[s] in _EDGE_PUNCTUATION:
        s += 1
    while e > s and text[e - 1] in _EDGE_PUNCTUATION:
        e -= 1
    return (s, e) if s < e else (start, end)


def top_terms(
    text: str, spans: Sequence[tuple[int, int]], contributions: np.ndarray, limit: int = MAX_TERMS
) -> list[Explanation]:
    """Up to limit/2 words pushing up (strongest first), then up to limit/2 pushing down (strongest first)."""
    half = limit // 2
    # Plain Python floats and ints from here: indexing numpy arrays one element at a time costs more than the sort.
    order = np.argsort(-contributions, kind="stable").tolist()
    weights = contributions.tolist()
    up = [i for i in order[:half] if weights[i] > 0]
    down = [i for i in order[::-1][:half] if weights[i] < 0]
    terms = []
    for i in [*up, *down]:
        start, end = _trim(text, *spans[i])
        terms.append(Explanation(term=text[start:end], weight=weights[i], start=start, end=end))
    return terms
