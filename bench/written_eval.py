"""Model versions side by side on the separately written evaluation comments, through the shipped policy (issue 17).

Run:
  .venv/bin/python bench/written_eval.py models/2026-12-03.2 models/2026-12-03.3 [--eval bench/data/written-eval.csv]

Per version and language: ROC AUC of the overall score against `label` and of the threat and hate scores against
their labels; then what the shipped policy (config/default.toml: the language's publish_below / reject_at and the
category limits, the model alone: no word lists) does with each kind of comment: the share of threats, hate and
fine comments that would not be published, and of threats held by the threat limit itself (reason category_threat);
and the threat limit alone at several hold_at (share of threats and of fine comments it would hold).
The set was never used to train or tune anything (bench/data/README.md).
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from service.classifier.categories import HATE, THREAT, category_label  # noqa: E402
from service.classifier.datasets import Row, load_rows  # noqa: E402
from service.classifier.scorer import Scorer  # noqa: E402
from service.policy import Policy, score_decision  # noqa: E402
from service.status import Status  # noqa: E402

EVAL = ROOT / "bench" / "data" / "written-eval.csv"
HOLD_AT = (0.1, 0.2, 0.3, 0.5)


def shipped_policy() -> Policy:
    document = tomllib.loads((ROOT / "config" / "default.toml").read_text(encoding="utf-8"))["policy"]
    return Policy.from_document(0, document)


def auc(y: np.ndarray, p: np.ndarray) -> str:
    return f"{roc_auc_score(y, p):.3f}" if 0 < y.sum() < y.size else "-"


def share(mask: np.ndarray, of: np.ndarray) -> str:
    return f"{int((mask & of).sum()):3}/{int(of.sum()):3} ({(mask & of).sum() / max(1, of.sum()):.0%})"


def report(scorer: Scorer, rows: list[Row], language: str, policy: Policy) -> None:
    scores = scorer.score_many([r.text for r in rows], language)
    label = np.array([r.label for r in rows])
    threat = np.array([category_label(r, THREAT) == 1 for r in rows])
    hate = np.array([category_label(r, HATE) == 1 for r in rows])
    fine = label == 0
    thresholds = policy.thresholds(language)
    decided = [score_decision(s.probability, thresholds, s.categories) for s in scores]
    withheld = np.array([status != Status.PUBLISHED for status, _ in decided])
    by_threat_limit = np.array([any(r["code"] == "category_threat" for r in reasons) for _, reasons in decided])
    overall = np.array([s.probability for s in scores])
    threat_p = np.array([s.categories.get(THREAT, np.nan) for s in scores])
    hate_p = np.array([s.categories.get(HATE, np.nan) for s in scores])
    aucs = (
        f"AUC overall {auc(label, overall)}  threat {auc(threat.astype(int), threat_p)}  "
        f"hate {auc(hate.astype(int), hate_p)}"
    )
    print(f"{scorer.model_version} {language}  {aucs}", flush=True)
    grid = "  ".join(
        f"{h}: {share(threat_p >= h, threat).split()[-1]} of threats, {share(threat_p >= h, fine).split()[-1]} of fine"
        for h in HOLD_AT
    )
    print(f"    threat limit alone at hold_at  {grid}", flush=True)
    print(
        f"    not published: threats {share(withheld, threat)}  hate {share(withheld, hate)}  "
        f"fine {share(withheld, fine)}   threats held by the threat limit {share(by_threat_limit, threat)}",
        flush=True,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Model versions on the written evaluation comments.")
    parser.add_argument("versions", nargs="+", type=Path)
    parser.add_argument("--eval", default=EVAL, type=Path)
    args = parser.parse_args(argv)
    rows = load_rows([args.eval])
    policy = shipped_policy()
    scorers = [Scorer.load(path) for path in args.versions]
    for language in ("en", "ar"):
        subset = [r for r in rows if r.language == language]
        for scorer in scorers:
            report(scorer, subset, language, policy)
    return 0


if __name__ == "__main__":
    sys.exit(main())
