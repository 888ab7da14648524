"""Compare classifier variants by leave-one-source-out ROC AUC (and a pooled split), against alt-profanity-check.

Run: .venv/bin/python bench/classifier_variants.py --data ../shared/data [--variants baseline,C1,...]
Every number is measured on held-out data only: LOSO trains on all sources but one and tests on that one; the pooled
split is the same seeded 80/20 split the train command uses. Rank metrics use the moderation target's linear model
(its calibration is monotone, so AUC is unchanged). alt-profanity-check is scored on the same held-out rows; its
shipped model was trained on Davidson tweets and Jigsaw comments, so its numbers there are optimistic (leakage).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from service.classifier.balance import balance_sources  # noqa: E402
from service.classifier.datasets import Row, load_rows  # noqa: E402
from service.classifier.metrics import auc  # noqa: E402
from service.classifier.pipeline import Hyperparams, build_features, build_linear, source_weights  # noqa: E402
from service.classifier.train import leave_one_source_out, pooled_split  # noqa: E402

BASE = Hyperparams()
VARIANTS: dict[str, Hyperparams] = {
    "baseline": BASE,
    "unbalanced": dataclasses.replace(BASE, source_weighting=False, max_positive_rate=1.0),
    "C1": dataclasses.replace(BASE, C=1.0),
    "C16": dataclasses.replace(BASE, C=16.0),
    "char3-5": dataclasses.replace(BASE, char_ngrams=(3, 5)),
    "word1_char1-4": dataclasses.replace(BASE, word_ngrams=(1, 1), char_ngrams=(1, 4)),
    "classbal": dataclasses.replace(BASE, class_weight="balanced"),
    "no_sublinear": dataclasses.replace(BASE, sublinear_tf=False),
}


def pooled_auc(rows: list[Row], params: Hyperparams, seed: int) -> float | None:
    """AUC of the moderation logit on the pooled 20% held-out split."""
    train, test = pooled_split(rows, seed)
    features = build_features(params)
    x = features.fit_transform([r.text for r in train])
    weights = source_weights(train) if params.source_weighting else None
    linear = build_linear(params, seed).fit(x, [r.label for r in train], sample_weight=weights)
    return auc(np.array([r.label for r in test]), linear.decision_function(features.transform([r.text for r in test])))


def profanity_check_row(rows: list[Row], seed: int) -> dict[str, float | None] | None:
    """alt-profanity-check's AUC per source (all rows of a source are unseen by our LOSO models) and pooled split."""
    try:
        from profanity_check import predict_prob
    except ImportError:
        return None
    result: dict[str, float | None] = {}
    for source in sorted({r.source for r in rows}):
        part = [r for r in rows if r.source == source]
        result[source] = auc(np.array([r.label for r in part]), predict_prob([r.text for r in part]))
    known = [v for v in result.values() if v is not None]
    result["mean"] = float(np.mean(known))
    _, test = pooled_split(rows, seed)
    result["pooled"] = auc(np.array([r.label for r in test]), predict_prob([r.text for r in test]))
    return result


def fmt(value: float | None) -> str:
    return "  -   " if value is None else f"{value:.4f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--data", action="append", type=Path, required=True, help="CSV file or folder (repeatable)")
    parser.add_argument("--variants", default=",".join(VARIANTS), help="comma-separated names: " + ",".join(VARIANTS))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    paths: list[Path] = []
    for path in args.data:
        subfolders = sorted(p for p in path.iterdir() if p.is_dir()) if path.is_dir() else []
        paths.extend(subfolders or [path])
    rows = load_rows(paths)
    sources = sorted({r.source for r in rows})
    header = f"{'variant':<16}" + "".join(f"{s:>10}" for s in sources) + f"{'LOSO mean':>11}{'pooled':>9}{'secs':>7}"
    print(header, flush=True)
    for name in args.variants.split(","):
        params = VARIANTS[name]
        start = time.perf_counter()
        used = balance_sources(rows, params.max_positive_rate, params.max_rows_per_source, args.seed)
        loso = leave_one_source_out(used, params, args.seed)
        pooled = pooled_auc(used, params, args.seed)
        cells = "".join(f"{fmt(loso['per_source'].get(s)):>10}" for s in sources)
        secs = time.perf_counter() - start
        print(f"{name:<16}{cells}{fmt(loso['mean']):>11}{fmt(pooled):>9}{secs:>7.0f}", flush=True)
    reference = profanity_check_row(balance_sources(rows, BASE.max_positive_rate, 0, args.seed), args.seed)
    if reference is None:
        print("alt-profanity-check: not installed (pip install alt-profanity-check into the venv to compare)")
    else:
        cells = "".join(f"{fmt(reference.get(s)):>10}" for s in sources)
        print(f"{'profanity-check':<16}{cells}{fmt(reference['mean']):>11}{fmt(reference['pooled']):>9}")
        print("  (alt-profanity-check was trained on davidson + jigsaw: those two columns are leaked, not held out)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
