"""Would a seed lexicon of threat words help the threat target? Measured, not shipped (issue 17).

Run (English: leave one labelling source out, Jigsaw <-> Gab; Arabic: OSACT 2022 is the only source labelling
violence, so 5-fold cross-validation within it, features fitted once on every Arabic row):
  .venv/bin/python bench/threat_lexicon.py --language en --data ../shared/data/jigsaw-wikipedia-talk \
      --data ../shared/data/gab-hate-corpus --data ../shared/data/cad-contextual-abuse ...
  .venv/bin/python bench/threat_lexicon.py --language ar --data ../shared/data/osact2022-fine-grained-ar ...
Prints the threat AUC and average precision of the shipped recipe (TF-IDF + logistic regression on the rows that
label threat) beside the same with one extra column: log(1 + lexicon hits) x SCALE, hits counted on the normalised,
lower-cased text (a substring per term, so Arabic clitics still match).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.model_selection import StratifiedKFold

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from service.classifier.categories import THREAT, UNLABELLED  # noqa: E402
from service.classifier.datasets import Row, load_rows  # noqa: E402
from service.classifier.pipeline import (  # noqa: E402
    Hyperparams,
    build_features,
    build_linear,
    normalised,
    target_labels,
)
from service.classifier.train import language_params, prepare_rows  # noqa: E402

# Seed lists written for this measurement: explicit violence verbs and phrases, not tuned on any data.
LEXICON = {
    "en": (
        "kill",
        "shoot",
        "hang",
        "behead",
        "slaughter",
        "burn",
        "bomb",
        "blow up",
        "execute",
        "murder",
        "stab",
        "bullet",
        "exterminate",
        "wipe out",
        "gas them",
        "lynch",
        "shot dead",
        "die",
    ),
    "ar": (
        "اقتل",
        "قتل",
        "اذبح",
        "ذبح",
        "احرق",
        "حرق",
        "فجر",
        "تفجير",
        "رصاص",
        "اعدام",
        "إعدام",
        "الموت",
        "تموت",
        "سنقتل",
        "سأقتل",
        "نذبح",
        "سنذبح",
        "رؤوس",
        "نحر",
        "ابادة",
        "إبادة",
        "سحق",
    ),
}
SCALE = 1.0


def lexicon_column(texts: Sequence[str], language: str) -> sp.csr_matrix:
    """log(1 + hits) of the language's seed terms per text, as one sparse column."""
    terms = LEXICON[language]
    hits = [sum(text.lower().count(term) for term in terms) for text in texts]
    return sp.csr_matrix(np.log1p(np.array(hits, dtype=np.float64)).reshape(-1, 1) * SCALE)


def fit_and_score(
    x_train: sp.csr_matrix, y_train: np.ndarray, x_test: sp.csr_matrix, params: Hyperparams
) -> np.ndarray:
    return np.asarray(build_linear(params).fit(x_train, y_train).decision_function(x_test))


def report(name: str, y: np.ndarray, base: np.ndarray, with_lexicon: np.ndarray) -> None:
    auc = f"AUC {roc_auc_score(y, base):.4f} -> {roc_auc_score(y, with_lexicon):.4f}"
    ap = f"AP {average_precision_score(y, base):.4f} -> {average_precision_score(y, with_lexicon):.4f}"
    print(f"{name:28} positives {int(y.sum()):4}  {auc}  {ap}", flush=True)


def labelled(rows: Sequence[Row]) -> tuple[list[Row], np.ndarray]:
    y = target_labels(rows, THREAT)
    keep = [i for i in range(len(rows)) if y[i] != UNLABELLED]
    return [rows[i] for i in keep], y[keep]


def english(used: list[Row], params: Hyperparams) -> None:
    for held in ("jigsaw", "gab"):
        train = [r for r in used if r.source != held]
        test, y_test = labelled([r for r in used if r.source == held])
        features = build_features(params)
        x_all = features.fit_transform(normalised(train, params))
        y_all = target_labels(train, THREAT)
        keep = np.flatnonzero(y_all != UNLABELLED)
        x_train, y_train = x_all[keep], y_all[keep]
        texts_train = [normalised(train, params)[i] for i in keep.tolist()]
        x_test = features.transform(normalised(test, params))
        base = fit_and_score(x_train, y_train, x_test, params)
        lex_train = sp.hstack([x_train, lexicon_column(texts_train, "en")]).tocsr()
        lex_test = sp.hstack([x_test, lexicon_column(normalised(test, params), "en")]).tocsr()
        report(f"en threat, held out {held}", y_test, base, fit_and_score(lex_train, y_train, lex_test, params))


def arabic(used: list[Row], params: Hyperparams, seed: int) -> None:
    texts = normalised(used, params)
    x_all = build_features(params).fit_transform(texts)
    y_all = target_labels(used, THREAT)
    keep = np.flatnonzero(y_all != UNLABELLED)
    x, y = x_all[keep], y_all[keep]
    lex = sp.hstack([x, lexicon_column([texts[i] for i in keep.tolist()], "ar")]).tocsr()
    base, with_lexicon = np.zeros(len(y)), np.zeros(len(y))
    for train, test in StratifiedKFold(n_splits=5, shuffle=True, random_state=seed).split(np.zeros(len(y)), y):
        base[test] = fit_and_score(x[train], y[train], x[test], params)
        with_lexicon[test] = fit_and_score(lex[train], y[train], lex[test], params)
    report("ar threat, 5-fold osact2022", y, base, with_lexicon)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Threat AUC with and without a seed-lexicon feature.")
    parser.add_argument("--language", required=True, choices=sorted(LEXICON))
    parser.add_argument("--data", required=True, action="append", type=Path)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    params = language_params(args.language, {"source_weighting": False} if args.language == "en" else None)
    rows = [r for r in load_rows(args.data) if r.language == args.language]
    used, _ = prepare_rows(rows, params, args.seed)
    if args.language == "en":
        english(used, params)
    else:
        arabic(used, params, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
