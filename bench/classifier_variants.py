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
from service.classifier.train import pooled_split  # noqa: E402

BASE = Hyperparams()
VARIANTS: dict[str, Hyperparams] = {
    "baseline": BASE,
    "C1": dataclasses.replace(BASE, C=1.0),
    "C16": dataclasses.replace(BASE, C=16.0),
    "no_src_weight": dataclasses.replace(BASE, source_weighting=False),
    "classbal": dataclasses.replace(BASE, class_weight="balanced"),
    "unbalanced": dataclasses.replace(BASE, source_weighting=False, max_positive_rate=1.0),
    "char3-5": dataclasses.replace(BASE, char_ngrams=(3, 5)),
    "no_sublinear": dataclasses.replace(BASE, sublinear_tf=False),
}
# Fields that only change the linear model: variants differing only here share one feature matrix per fold.
MODEL_FIELDS = ("C", "class_weight", "source_weighting", "calibration", "calibration_folds")


def feature_key(params: Hyperparams) -> Hyperparams:
    return dataclasses.replace(params, **{f: getattr(BASE, f) for f in MODEL_FIELDS})


def fold_scores(rows: list[Row], group: dict[str, Hyperparams], seed: int) -> dict[str, dict[str, float | None]]:
    """Per variant: AUC on each left-out source and on the pooled split, features fitted once per fold."""
    params0 = next(iter(group.values()))
    folds: list[tuple[str, list[Row], list[Row]]] = [
        (s, [r for r in rows if r.source != s], [r for r in rows if r.source == s])
        for s in sorted({r.source for r in rows})
    ]
    folds.append(("pooled", *pooled_split(rows, seed)))
    result: dict[str, dict[str, float | None]] = {name: {} for name in group}
    for fold, train, test in folds:
        features = build_features(params0)
        x_train = features.fit_transform([r.text for r in train])
        x_test = features.transform([r.text for r in test])
        y_train = np.array([r.label for r in train])
        y_test = np.array([r.label for r in test])
        for name, params in group.items():
            weights = source_weights(train) if params.source_weighting else None
            linear = build_linear(params, seed).fit(x_train, y_train, sample_weight=weights)
            result[name][fold] = auc(y_test, linear.decision_function(x_test))
    return result


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
    header = f"{'variant':<16}" + "".join(f"{s:>10}" for s in sources) + f"{'LOSO mean':>11}{'pooled':>9}"
    print(header, flush=True)
    names = [n for n in args.variants.split(",") if n]
    groups: dict[tuple[Hyperparams, float, int], dict[str, Hyperparams]] = {}
    for name in names:
        params = VARIANTS[name]
        key = (feature_key(params), params.max_positive_rate, params.max_rows_per_source)
        groups.setdefault(key, {})[name] = params
    for (_, max_rate, max_rows), group in groups.items():
        start = time.perf_counter()
        used = balance_sources(rows, max_rate, max_rows, args.seed)
        for name, scores in fold_scores(used, group, args.seed).items():
            known = [scores[s] for s in sources if scores.get(s) is not None]
            mean = float(np.mean(known)) if known else None
            cells = "".join(f"{fmt(scores.get(s)):>10}" for s in sources)
            print(f"{name:<16}{cells}{fmt(mean):>11}{fmt(scores.get('pooled')):>9}", flush=True)
        print(f"  ({', '.join(group)}: {time.perf_counter() - start:.0f} s)", flush=True)
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
