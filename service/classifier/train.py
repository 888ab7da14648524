"""Training: balance sources, measure on held-out data (pooled split and leave-one-source-out), fit, save a version."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import platform
import subprocess
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import scipy
import sklearn
import skops
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline

from service.classifier.artifact import VERSION_RE, ArtifactError, next_version, save_artifact, sha256_file
from service.classifier.balance import balance_sources
from service.classifier.datasets import LABEL_MAPPING, DatasetError, Row, csv_files, from_records, load_rows
from service.classifier.evaluate import evaluate_rows
from service.classifier.explain import __doc__ as EXPLANATION_DOC
from service.classifier.metrics import auc, rounded
from service.classifier.pipeline import (
    TARGETS,
    Hyperparams,
    build_features,
    build_linear,
    fit_pipeline,
    predict_targets,
    source_weights,
)

logger = logging.getLogger(__name__)

TEST_FRACTION = 0.2
MAX_MISSED_ABUSE = 0.10  # publish_below: at most this share of held-out comments needing moderation scores below it
MIN_REJECT_PRECISION = 0.95  # reject_at: at least this share of held-out comments scoring at or above it need it


def pooled_split(rows: Sequence[Row], seed: int) -> tuple[list[Row], list[Row]]:
    """A seeded 80/20 split stratified by source and label (by label alone when a stratum is too small)."""
    keys = [f"{r.source}:{r.label}" for r in rows]
    smallest = min(Counter(keys).values())
    stratify = keys if smallest >= 2 else [r.label for r in rows]
    train_idx, test_idx = train_test_split(
        np.arange(len(rows)), test_size=TEST_FRACTION, random_state=seed, stratify=stratify
    )
    return [rows[i] for i in sorted(train_idx)], [rows[i] for i in sorted(test_idx)]


def leave_one_source_out(rows: Sequence[Row], params: Hyperparams, seed: int) -> dict[str, Any]:
    """Per source: AUC of P(needs moderation) from a model trained on all other sources only.

    Only the moderation target's linear model is fitted per fold: its sigmoid calibration is a monotone map of the
    decision value (one classifier, ensemble=False), so the AUC equals that of the full calibrated pipeline.
    """
    sources = sorted({r.source for r in rows})
    per_source: dict[str, float | None] = {}
    if len(sources) < 2:
        return {"per_source": per_source, "mean": None, "note": "needs at least two sources"}
    for source in sources:
        train = [r for r in rows if r.source != source]
        test = [r for r in rows if r.source == source]
        y_train = np.array([r.label for r in train])
        y_test = np.array([r.label for r in test])
        if np.unique(y_train).size < 2 or np.unique(y_test).size < 2:
            per_source[source] = None
            continue
        features = build_features(params)
        x_train = features.fit_transform([r.text for r in train])
        weights = source_weights(train) if params.source_weighting else None
        linear = build_linear(params, seed).fit(x_train, y_train, sample_weight=weights)
        per_source[source] = rounded(auc(y_test, linear.decision_function(features.transform([r.text for r in test]))))
        logger.info("loso source=%s auc=%s", source, per_source[source])
    known = [v for v in per_source.values() if v is not None]
    return {
        "per_source": per_source,
        "mean": rounded(float(np.mean(known))) if known else None,
        "note": "train on every other source, test on this one (rank-only: uncalibrated moderation logit)",
    }


def suggest_thresholds(y: np.ndarray, p: np.ndarray) -> dict[str, Any]:
    """Thresholds from held-out scores: publish_below caps missed bad comments, reject_at caps wrongful rejections."""
    grid = np.round(np.arange(0.01, 1.0, 0.01), 2)
    positives = max(int(y.sum()), 1)
    reject_at = 0.99
    for t in grid[grid >= 0.5]:
        flagged = p >= t
        if flagged.any() and float(y[flagged].mean()) >= MIN_REJECT_PRECISION:
            reject_at = float(t)
            break
    publish_below = 0.01
    for t in grid[grid <= reject_at]:
        if float(y[p < t].sum()) / positives <= MAX_MISSED_ABUSE:
            publish_below = float(t)
    published, rejected = p < publish_below, p >= reject_at
    return {
        "publish_below": publish_below,
        "reject_at": reject_at,
        "derivation": (
            f"on the pooled held-out split: publish_below is the highest score (0.01 steps) below which at most "
            f"{MAX_MISSED_ABUSE:.0%} of the comments needing moderation fall; reject_at is the lowest score (>= 0.5) "
            f"at or above which at least {MIN_REJECT_PRECISION:.0%} of comments need moderation. The held-out "
            f"positive rate is {float(y.mean()):.1%}, higher than a typical comment stream: revisit with site data."
        ),
        "held_out_effect": {
            "published_share": rounded(float(published.mean())),
            "pending_share": rounded(float((~published & ~rejected).mean())),
            "rejected_share": rounded(float(rejected.mean())),
            "missed_share_of_positives": rounded(float(y[published].sum()) / positives),
            "rejected_precision": rounded(float(y[rejected].mean())) if rejected.any() else None,
        },
    }


def _git_commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=Path(__file__).parent, capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return out.stdout.strip() or None


def _source_balance(rows: Sequence[Row], used: Sequence[Row]) -> dict[str, Any]:
    """Rows and positive rate per source, before and after balancing."""
    stats: dict[str, Any] = {}
    for source in sorted({r.source for r in rows}):
        all_rows = [r for r in rows if r.source == source]
        kept = [r for r in used if r.source == source]
        stats[source] = {
            "rows": len(all_rows),
            "positives": sum(r.label for r in all_rows),
            "positive_rate": rounded(sum(r.label for r in all_rows) / len(all_rows)),
            "categories": dict(sorted(Counter(r.category for r in all_rows if r.category).items())),
            "rows_used": len(kept),
            "positives_used": sum(r.label for r in kept),
        }
    return stats


def _files(paths: Sequence[Path]) -> list[dict[str, Any]]:
    files = []
    for path in paths:
        for file in csv_files(path):
            file_rows = load_rows([file])
            files.append(
                {
                    "path": str(file),
                    "sha256": sha256_file(file),
                    "rows": len(file_rows),
                    "source": file_rows[0].source if file_rows else None,
                    "positives": sum(r.label for r in file_rows),
                }
            )
    return files


@dataclass(frozen=True)
class PublicFit:
    """The public model fitted on all (balanced) rows, and its model card without version or artifact fields."""

    pipeline: Pipeline
    card: dict[str, Any]
    rows: list[Row]
    used: list[Row]


def fit_public_model(
    paths: Sequence[Path],
    params: Hyperparams,
    seed: int,
    extra: Sequence[Row] = (),
    loso: bool = True,
) -> PublicFit:
    """Balance, measure on the pooled split (and leave-one-source-out), then fit on everything: the public model
    exactly as ``train_model`` ships it (also the public half of a site blend, see site.py)."""
    rows = load_rows(paths) + list(extra)
    if len({r.label for r in rows}) < 2:
        raise DatasetError("training data needs both labels")
    used = balance_sources(rows, params.max_positive_rate, params.max_rows_per_source, seed)
    logger.info("train rows=%d used=%d", len(rows), len(used))

    train, test = pooled_split(used, seed)
    p_test = predict_targets(fit_pipeline(train, params, seed), [r.text for r in test])
    held_out = evaluate_rows(test, p_test)
    thresholds = suggest_thresholds(np.array([r.label for r in test]), p_test[:, 0])
    logger.info("pooled auc=%s ece=%s", held_out["auc"], held_out["ece"])

    pipeline = fit_pipeline(used, params, seed)
    card: dict[str, Any] = {
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "git_commit": _git_commit(),
        "libraries": {
            "python": platform.python_version(),
            "sklearn": sklearn.__version__,
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "skops": skops.__version__,
        },
        "seed": seed,
        "targets": list(TARGETS),
        "positive_label": 1,
        "training_data": {
            "files": _files(paths),
            "extra_rows": len(extra),
            "sources": _source_balance(rows, used),
            "balancing": "positives of a source above max_positive_rate are subsampled; sources weighted equally",
        },
        "label_mapping": LABEL_MAPPING,
        "hyperparameters": params.as_dict(),
        "explanation": " ".join((EXPLANATION_DOC or "").split()),
        "metrics": {"pooled_split": {"test_fraction": TEST_FRACTION, **held_out}},
        "thresholds": thresholds,
    }
    if loso:
        card["metrics"]["leave_one_source_out"] = leave_one_source_out(used, params, seed)
    return PublicFit(pipeline=pipeline, card=card, rows=rows, used=used)


def train_model(
    datasets: Sequence[Path | str],
    out_dir: Path | str,
    seed: int = 0,
    version: str | None = None,
    extra_rows: Iterable[tuple[str, int, str | None, str]] = (),
    params: Hyperparams | None = None,
    loso: bool = True,
) -> Path:
    """Train, evaluate on held-out data and save a new immutable version folder under out_dir; returns that folder.

    ``extra_rows`` are additional labelled ``(text, label, category, source)`` tuples, e.g. moderators' decisions.
    """
    params = params or Hyperparams()
    out = Path(out_dir)
    fit = fit_public_model([Path(p) for p in datasets], params, seed, from_records(extra_rows), loso)
    version = version or next_version(out)
    folder = out / version
    save_artifact(fit.pipeline, {"version": version, **fit.card}, folder)
    logger.info("saved %s", folder)
    return folder


def main(argv: list[str] | None = None) -> int:
    """``moderato train --data PATH [--data PATH ...] [--out models/] [--seed N] [--version V]``."""
    parser = argparse.ArgumentParser(prog="moderato train", description="Train, evaluate and save a model version.")
    parser.add_argument("--data", required=True, action="append", type=Path, help="CSV file or folder (repeatable)")
    parser.add_argument("--out", default=Path("models"), type=Path, help="folder holding model versions")
    parser.add_argument("--seed", default=0, type=int)
    parser.add_argument("--version", default=None, help="YYYY-MM-DD.N (default: next free one for today)")
    parser.add_argument("--no-loso", action="store_true", help="skip the leave-one-source-out evaluation")
    parser.add_argument(
        "--param", action="append", default=[], metavar="NAME=JSON", help="override a hyper-parameter, e.g. C=1.0"
    )
    args = parser.parse_args(argv)
    if args.version is not None and not VERSION_RE.match(args.version):
        parser.error("--version must look like YYYY-MM-DD.N")
    try:
        overrides = {k: json.loads(v) for k, _, v in (p.partition("=") for p in args.param)}
        params = Hyperparams.from_dict({**Hyperparams().as_dict(), **overrides})
    except (ValueError, TypeError) as exc:
        parser.error(f"bad --param: {exc}")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s", stream=sys.stderr)
    try:
        folder = train_model(
            args.data, args.out, seed=args.seed, version=args.version, params=params, loso=not args.no_loso
        )
    except (ArtifactError, DatasetError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(folder)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
