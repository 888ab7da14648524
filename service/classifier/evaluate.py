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
from service.classifier.datasets import CATEGORIES, DatasetError, Row, load_rows
from service.classifier.metrics import auc, ece, reliability_table, rounded


def evaluate_rows(rows: Sequence[Row], probabilities: np.ndarray) -> dict[str, Any]:
    """AUC, ECE and reliability of P(needs moderation), per-source AUC, and per-category AUC/ECE."""
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
    per_category = {}
    for k, category in enumerate(CATEGORIES, start=1):
        yc = np.array([int(r.category == category) for r in rows], dtype=np.int64)
        per_category[category] = {
            "positives": int(yc.sum()),
            "auc": rounded(auc(yc, probabilities[:, k])),
            "ece": rounded(ece(yc, probabilities[:, k])),
        }
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
        by_language[language] = evaluate_rows(part, scorer.probabilities([r.text for r in part], language))
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
