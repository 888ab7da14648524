"""Source balancing by seeded subsampling, so no source's style alone reads as 'needs moderation'."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence

from service.classifier.datasets import Row


def balance_sources(
    rows: Sequence[Row], max_positive_rate: float, max_rows_per_source: int, seed: int, max_rows_positive_only: int = 0
) -> list[Row]:
    """Subsample positives of over-positive sources down to max_positive_rate and cap each source's size (0 = no cap);
    a source with positives only is capped at max_rows_positive_only rows (0 = no cap).

    The original row order is kept, so the result depends only on the rows and the seed.
    """
    by_source: dict[str, list[int]] = defaultdict(list)
    for i, row in enumerate(rows):
        by_source[row.source].append(i)
    keep: set[int] = set()
    for source in sorted(by_source):
        rng = random.Random(f"{seed}:{source}")
        idx = by_source[source]
        pos = [i for i in idx if rows[i].label == 1]
        neg = [i for i in idx if rows[i].label == 0]
        if 0 < max_positive_rate < 1 and neg and len(pos) > max_positive_rate * len(idx):
            n_pos = int(max_positive_rate / (1 - max_positive_rate) * len(neg))
            pos = sorted(rng.sample(pos, n_pos))
        if not neg and max_rows_positive_only and len(pos) > max_rows_positive_only:
            pos = sorted(rng.sample(pos, max_rows_positive_only))
        chosen = pos + neg
        if max_rows_per_source and len(chosen) > max_rows_per_source:
            # Stratified cap: keep the source's positive rate.
            frac = max_rows_per_source / len(chosen)
            pos = sorted(rng.sample(pos, round(len(pos) * frac)))
            neg = sorted(rng.sample(neg, round(len(neg) * frac)))
            chosen = pos + neg
        keep.update(chosen)
    return [rows[i] for i in sorted(keep)]
