"""Held-out evaluation: metrics of a model's probabilities on labelled rows, and the ``moderato evaluate`` command."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from service.classifier.artifact import ArtifactError
from service.classifier.categories import UNLABELLED
from service.classifier.datasets import DatasetError, Row, load_rows
from service.classifier.metrics import auc, ece, reliability_table, rounded
from service.classifier.pipeline import BASE_TARGETS, target_labels

# Category scores at which the card shows what holding would catch and cost (chosen hold_at values come from these).
OPERATING_POINTS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.7)


def operating_points(y: np.ndarray, p: np.ndarray) -> list[dict[str, Any]]:
    """Per threshold: share of the category's positives at or above it (recall), precision, share of rows held."""
    points = []
    positives = max(int(y.sum()), 1)
    for t in OPERATING_POINTS:
        held = p >= t
        points.append(
            {
                "hold_at": t,
                "recall": rounded(float(y[held].sum()) / positives),
                "precision": rounded(float(y[held].mean())) if held.any() else None,
                "held_share": rounded(float(held.mean())) if y.size else None,
            }
        )
    return points


def category_metrics(rows: Sequence[Row], target: str, p: np.ndarray) -> dict[str, Any]:
    """One category's AUC and ECE on the rows labelled for it, overall and per source, and its operating points."""
    y_all = target_labels(rows, target)
    labelled = y_all != UNLABELLED
    y, p = y_all[labelled], p[labelled]
    sources = np.array([r.source for r in rows])[labelled]
    per_source = {}
    for source in sorted(set(sources.tolist())):
        mask = sources == source
        per_source[source] = {
            "rows": int(mask.sum()),
            "positives": int(y[mask].sum()),
            "auc": rounded(auc(y[mask], p[mask])),
            "ece": rounded(ece(y[mask], p[mask])),
        }
    return {
        "labelled_rows": int(y.size),
        "positives": int(y.sum()),
        "auc": rounded(auc(y, p)),
        "ece": rounded(ece(y, p)),
        "per_source": per_source,
        "reliability": reliability_table(y, p),
        "operating_points": operating_points(y, p),
    }


def evaluate_rows(
    rows: Sequence[Row], probabilities: np.ndarray, targets: Sequence[str] = BASE_TARGETS
) -> dict[str, Any]:
    """AUC, ECE and reliability of P(needs moderation), per-source AUC, and per-category AUC/ECE (``targets``
    names the probability columns; a category is measured on the rows of the sources that label it)."""
    y = np.array([r.label for r in rows], dtype=np.int64)
    p = probabilities[:, 0]
    sources = np.array([r.source for r in rows])
    per_source = {}
    for source in sorted(set(sources.tolist())):
        mask = sources == source
        per_source[source] = {
            "rows": int(mask.sum()),
            "positive_rate": rounded(float(y[mask].mean())),
            "auc": rounded(auc(y[mask], p[mask])),
        }
    per_category: dict[str, Any] = {}
    for k, category in enumerate(targets[1:], start=1):
        if category in BASE_TARGETS:
            yc = target_labels(rows, category)
            per_category[category] = {
                "positives": int(yc.sum()),
                "auc": rounded(auc(yc, probabilities[:, k])),
                "ece": rounded(ece(yc, probabilities[:, k])),
            }
        else:
            per_category[category] = category_metrics(rows, category, probabilities[:, k])
    return {
        "rows": len(rows),
        "positive_rate": rounded(float(y.mean())) if len(rows) else None,
        "auc": rounded(auc(y, p)),
        "ece": rounded(ece(y, p)),
        "reliability": reliability_table(y, p),
        "per_source": per_source,
        "per_category": per_category,
    }


def main(argv: list[str] | None = None) -> int:
    """``moderato evaluate --model DIR --data PATH [--data PATH ...]``: print metrics (per language) as JSON."""
    from service.classifier.scorer import Scorer

    parser = argparse.ArgumentParser(prog="moderato evaluate", description=main.__doc__)
    parser.add_argument("--model", required=True, type=Path, help="model version folder, e.g. models/2026-11-27.1")
    parser.add_argument("--data", required=True, action="append", type=Path, help="CSV file or folder (repeatable)")
    args = parser.parse_args(argv)
    try:
        scorer = Scorer.load(args.model)
        rows = load_rows(args.data)
    except (ArtifactError, DatasetError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not rows:
        print("error: no labelled rows in --data", file=sys.stderr)
        return 2
    by_language: dict[str, Any] = {}
    for language in sorted({r.language for r in rows}):
        part = [r for r in rows if r.language == language]
        if language not in scorer.languages:
            by_language[language] = {"rows": len(part), "error": f"no {language} model in {scorer.model_version}"}
            continue
        probabilities = scorer.probabilities([r.text for r in part], language)
        by_language[language] = evaluate_rows(part, probabilities, scorer.model(language).targets)
    result: dict[str, Any] = {"model_version": scorer.model_version, "data": [str(p) for p in args.data]}
    if len(by_language) == 1:
        (language, metrics), *_ = by_language.items()
        result |= {"language": language, **metrics}
    else:
        result["languages"] = by_language
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
