"""Evaluation metrics: ROC AUC, expected calibration error and a reliability table."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.metrics import roc_auc_score


def auc(y: np.ndarray, p: np.ndarray) -> float | None:
    """ROC AUC, or None when only one class is present."""
    y = np.asarray(y)
    if y.size == 0 or np.unique(y).size < 2:
        return None
    return float(roc_auc_score(y, p))


def reliability_table(y: np.ndarray, p: np.ndarray, n_bins: int = 10) -> list[dict[str, Any]]:
    """Per equal-width probability bin: count, mean predicted probability and observed positive rate."""
    y = np.asarray(y, dtype=np.float64)
    p = np.asarray(p, dtype=np.float64)
    bins = np.minimum((p * n_bins).astype(np.int64), n_bins - 1)
    table = []
    for b in range(n_bins):
        mask = bins == b
        n = int(mask.sum())
        table.append(
            {
                "bin": [round(b / n_bins, 4), round((b + 1) / n_bins, 4)],
                "count": n,
                "mean_predicted": round(float(p[mask].mean()), 4) if n else None,
                "observed_rate": round(float(y[mask].mean()), 4) if n else None,
            }
        )
    return table


def ece(y: np.ndarray, p: np.ndarray, n_bins: int = 10) -> float:
    """Expected calibration error: count-weighted mean |observed rate - mean predicted| over equal-width bins."""
    y = np.asarray(y, dtype=np.float64)
    p = np.asarray(p, dtype=np.float64)
    if y.size == 0:
        return 0.0
    bins = np.minimum((p * n_bins).astype(np.int64), n_bins - 1)
    total = 0.0
    for b in range(n_bins):
        mask = bins == b
        if mask.any():
            total += abs(float(y[mask].mean()) - float(p[mask].mean())) * float(mask.mean())
    return total


def rounded(value: float | None, digits: int = 4) -> float | None:
    """Round for the model card (None stays None)."""
    return None if value is None else round(value, digits)
