"""Do the team's written threat and hate comments (models/written) help the category models on real data? (issue 17)

Run:
  D=../shared/data
  .venv/bin/python bench/written_threats.py --eval bench/data/written-eval.csv \
      --data $D/cad-contextual-abuse --data $D/davidson-hate-offensive --data $D/gab-hate-corpus \
      --data $D/jigsaw-wikipedia-talk --data $D/aljazeera-deleted-comments-ar --data $D/osact2020-offensive-ar \
      --data $D/osact2022-fine-grained-ar --data $D/l-hsab-levantine-ar --data $D/mlma-hate-ar

For each language and category (threat, hate), two arms trained with the shipped recipe (the language's
hyper-parameters, balancing and masking: a category's model learns only from rows that label it), side by side:
  public           the public sources only (what 2026-12-03.2 learnt from)
  public+written   the same plus models/written
and tested on data neither trained on:
  * every public source that labels the category, held out in turn (trained on the other sources; for Arabic threat
    OSACT 2022 is the only public source, so "public" has nothing to learn from and "public+written" learns from the
    written comments alone: do written threats find real tweeted ones?);
  * bench/data/written-eval.csv, written separately by another team member who never saw models/written.
Figures are ROC AUC and average precision of the linear model's decision values (calibration is monotone: same AUC).
A fold's TF-IDF features are fitted once on its training rows with the written ones (both arms share them, so the
arms differ only in which rows teach the category).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.metrics import average_precision_score, roc_auc_score

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from service.classifier.categories import HATE, THREAT, UNLABELLED  # noqa: E402
from service.classifier.datasets import Row, load_rows  # noqa: E402
from service.classifier.pipeline import (  # noqa: E402
    Hyperparams,
    build_features,
    build_linear,
    normalised,
    source_weights,
    target_labels,
)
from service.classifier.train import language_params, prepare_rows  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
from threat_lexicon import lexicon_column  # noqa: E402

WRITTEN = ROOT / "models" / "written"
CATEGORIES = (THREAT, HATE)
# With --lexicon, threat gets a third arm: public+written plus the seed-lexicon column.
ARMS = {False: ("public", "public+written"), True: ("public", "public+written", "public+written+lexicon")}
# The shipped English model is trained without source weighting (models/README.md, the train command).
SHIPPED_OPTIONS = {"en": {"source_weighting": False}, "ar": None}


def labelled(rows: Sequence[Row], category: str) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the rows labelled for the category, and their labels."""
    y = target_labels(rows, category)
    keep = np.flatnonzero(y != UNLABELLED)
    return keep, y[keep]


def scores(
    train: Sequence[Row], tests: Sequence[Sequence[Row]], category: str, params: Hyperparams, lexicon: bool = False
) -> dict[str, list]:
    """Per arm, the decision values on each test set (None when the arm has nothing to learn the category from)."""
    features = build_features(params)
    x_train = features.fit_transform(normalised(train, params))
    x_tests = [features.transform(normalised(test, params)) for test in tests]
    text_columns = slice(0, x_train.shape[1])
    if category == THREAT and lexicon:
        # The seed lexicon of bench/threat_lexicon.py as one more column (the suggestion), on top of written.
        language = train[0].language
        x_train = sp.hstack([x_train, lexicon_column(normalised(train, params), language)]).tocsr()
        x_tests = [
            sp.hstack([x, lexicon_column(normalised(t, params), language)]).tocsr()
            for x, t in zip(x_tests, tests, strict=True)
        ]
    out: dict[str, list] = {}
    for arm in ARMS[category == THREAT and lexicon]:
        rows = [i for i, r in enumerate(train) if arm != "public" or r.source != "written"]
        keep, y = labelled([train[i] for i in rows], category)
        chosen = [rows[i] for i in keep.tolist()]
        if min(int(y.sum()), int((y == 0).sum())) < 20:
            out[arm] = [None] * len(tests)
            continue
        weights = source_weights([train[i] for i in chosen]) if params.source_weighting else None
        columns = slice(None) if arm.endswith("lexicon") else text_columns
        linear = build_linear(params).fit(x_train[chosen][:, columns], y, sample_weight=weights)
        out[arm] = [linear.decision_function(x[:, columns]) for x in x_tests]
    return out


def figure(y: np.ndarray, values: np.ndarray | None) -> str:
    if values is None:
        return "      -      "
    return f"{roc_auc_score(y, values):.3f} / {average_precision_score(y, values):.3f}"


def report(name: str, y: np.ndarray, arms: dict[str, np.ndarray | None]) -> None:
    cells = "   ".join(f"{arm} {figure(y, values)}" for arm, values in arms.items())
    print(f"{name:38} pos {int(y.sum()):4} / {y.size:5}   {cells}", flush=True)


def run_language(
    language: str, public: list[Row], written: list[Row], evaluation: list[Row], seed: int, lexicon: bool
) -> None:
    params = language_params(language, SHIPPED_OPTIONS[language])
    used, _ = prepare_rows(public + written, params, seed)
    for category in CATEGORIES:
        sources = sorted({r.source for r in used if r.source != "written"} & labelling(used, category))
        for held in sources:
            test = [r for r in used if r.source == held]
            keep, y = labelled(test, category)
            train = [r for r in used if r.source != held]
            arms = scores(train, [[test[i] for i in keep.tolist()]], category, params, lexicon)
            report(f"{language} {category}, held out {held}", y, {a: v[0] for a, v in arms.items()})
        keep, y = labelled(evaluation, category)
        arms = scores(used, [[evaluation[i] for i in keep.tolist()]], category, params, lexicon)
        report(f"{language} {category}, written-eval", y, {a: v[0] for a, v in arms.items()})


def labelling(rows: Sequence[Row], category: str) -> set[str]:
    """The sources that label the category."""
    y = target_labels(rows, category)
    return {rows[i].source for i in np.flatnonzero(y != UNLABELLED).tolist()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Category AUC with and without the written comments.")
    parser.add_argument("--data", required=True, action="append", type=Path, help="public sets (repeatable)")
    parser.add_argument("--written", default=WRITTEN, type=Path)
    parser.add_argument("--eval", required=True, type=Path, help="the separately written evaluation set")
    parser.add_argument("--language", action="append", choices=("en", "ar"))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--lexicon", action="store_true", help="add a threat arm with the seed-lexicon column")
    args = parser.parse_args(argv)
    public, written, evaluation = load_rows(args.data), load_rows([args.written]), load_rows([args.eval])
    print("AUC / average precision per arm", flush=True)
    for language in args.language or ("en", "ar"):
        run_language(
            language,
            [r for r in public if r.language == language],
            [r for r in written if r.language == language],
            [r for r in evaluation if r.language == language],
            args.seed,
            args.lexicon,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
