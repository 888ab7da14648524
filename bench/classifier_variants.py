"""Compare classifier variants by leave-one-source-out ROC AUC (and a pooled split), against alt-profanity-check.

Run: .venv/bin/python bench/classifier_variants.py --data ../shared/data [--language ar] [--variants ar_base,...]
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
from service.classifier.pipeline import (  # noqa: E402
    Hyperparams,
    build_features,
    build_linear,
    normalised,
    source_weights,
)
from service.classifier.train import pooled_split, prepare_rows  # noqa: E402

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
# The starting point of the Arabic comparison (the shipped choice is train.LANGUAGE_DEFAULTS["ar"]).
AR_BASE = Hyperparams(normalisation="arabic", dedupe=True, max_rows_positive_only=3000)
VARIANTS |= {
    "ar_base": AR_BASE,
    "ar_C1": dataclasses.replace(AR_BASE, C=1.0),
    "ar_C16": dataclasses.replace(AR_BASE, C=16.0),
    "ar_no_src_weight": dataclasses.replace(AR_BASE, source_weighting=False),
    "ar_classbal": dataclasses.replace(AR_BASE, class_weight="balanced"),
    "ar_no_norm": dataclasses.replace(AR_BASE, normalisation="none"),
    "ar_repeat1": dataclasses.replace(AR_BASE, repeat_max=1),
    "ar_no_hamza_fold": dataclasses.replace(AR_BASE, fold_hamza_seats=False),
    "ar_char1-4": dataclasses.replace(AR_BASE, char_ngrams=(1, 4)),
    "ar_char3-5": dataclasses.replace(AR_BASE, char_ngrams=(3, 5)),
    "ar_char2-6": dataclasses.replace(AR_BASE, char_ngrams=(2, 6)),
    "ar_spam_all": dataclasses.replace(AR_BASE, max_rows_positive_only=0),
    "ar_spam_1000": dataclasses.replace(AR_BASE, max_rows_positive_only=1000),
    "ar_no_dedupe": dataclasses.replace(AR_BASE, dedupe=False),
    "ar_nsw_char1-4": dataclasses.replace(AR_BASE, source_weighting=False, char_ngrams=(1, 4)),
    "ar_nsw_C1_char1-4": dataclasses.replace(AR_BASE, source_weighting=False, char_ngrams=(1, 4), C=1.0),
    "ar_nsw_C16_char1-4": dataclasses.replace(AR_BASE, source_weighting=False, char_ngrams=(1, 4), C=16.0),
    "ar_nsw_char1-4_no_norm": dataclasses.replace(
        AR_BASE, source_weighting=False, char_ngrams=(1, 4), normalisation="none"
    ),
    "ar_nsw_char1-4_no_fold": dataclasses.replace(
        AR_BASE, source_weighting=False, char_ngrams=(1, 4), fold_letters=False, fold_hamza_seats=False
    ),
}
_LIGHT = dataclasses.replace(
    AR_BASE, source_weighting=False, char_ngrams=(1, 4), fold_letters=False, fold_hamza_seats=False, repeat_max=1
)
VARIANTS |= {
    "ar_light_rep1": _LIGHT,
    "ar_light_rep1_C1": dataclasses.replace(_LIGHT, C=1.0),
    "ar_light_rep1_C2": dataclasses.replace(_LIGHT, C=2.0),
}
# Fields that only change the linear model: variants differing only here share one feature matrix per fold.
MODEL_FIELDS = ("C", "class_weight", "source_weighting", "calibration", "calibration_folds")


def feature_key(params: Hyperparams) -> Hyperparams:
    return dataclasses.replace(params, **{f: getattr(BASE, f) for f in MODEL_FIELDS})


def fold_scores(
    rows: list[Row], group: dict[str, Hyperparams], seed: int, pooled: bool = True
) -> dict[str, dict[str, float | None]]:
    """Per variant: AUC on each left-out source and on the pooled split, features fitted once per fold."""
    params0 = next(iter(group.values()))
    folds: list[tuple[str, list[Row], list[Row]]] = [
        (s, [r for r in rows if r.source != s], [r for r in rows if r.source == s])
        for s in sorted({r.source for r in rows})
    ]
    if pooled:
        folds.append(("pooled", *pooled_split(rows, seed)))
    result: dict[str, dict[str, float | None]] = {name: {} for name in group}
    for fold, train, test in folds:
        if len({r.label for r in test}) < 2:
            continue  # a positive-only source (the Arabic spam rows) has no AUC of its own
        features = build_features(params0)
        x_train = features.fit_transform(normalised(train, params0))
        x_test = features.transform(normalised(test, params0))
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
    parser.add_argument("--language", default="en", help="only the rows of this language (en, ar)")
    parser.add_argument("--no-pooled", action="store_true", help="skip the pooled-split column")
    args = parser.parse_args(argv)
    paths: list[Path] = []
    for path in args.data:
        subfolders = sorted(p for p in path.iterdir() if p.is_dir()) if path.is_dir() else []
        paths.extend(subfolders or [path])
    rows = [r for r in load_rows(paths) if r.language == args.language]
    sources = sorted({r.source for r in rows})
    header = f"{'variant':<16}" + "".join(f"{s:>10}" for s in sources) + f"{'LOSO mean':>11}{'pooled':>9}"
    print(header, flush=True)
    names = [n for n in args.variants.split(",") if n]
    groups: dict[Hyperparams, dict[str, Hyperparams]] = {}
    for name in names:
        params = VARIANTS[name]
        groups.setdefault(feature_key(params), {})[name] = params
    for key, group in groups.items():
        start = time.perf_counter()
        used, _ = prepare_rows(rows, key, args.seed)
        for name, scores in fold_scores(used, group, args.seed, pooled=not args.no_pooled).items():
            known = [scores[s] for s in sources if scores.get(s) is not None]
            mean = float(np.mean(known)) if known else None
            cells = "".join(f"{fmt(scores.get(s)):>10}" for s in sources)
            print(f"{name:<16}{cells}{fmt(mean):>11}{fmt(scores.get('pooled')):>9}", flush=True)
        print(f"  ({', '.join(group)}: {time.perf_counter() - start:.0f} s)", flush=True)
    if args.language != "en":
        return 0
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
