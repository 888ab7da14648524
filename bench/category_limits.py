"""What a threat or hate limit would hold, per version, on comments that never taught that category (issue 17).

Run (the public sets of the train command):
  D=../shared/data
  .venv/bin/python bench/category_limits.py models/2026-12-03.2 models/2026-12-03.3 \
      --data $D/cad-contextual-abuse --data $D/davidson-hate-offensive --data $D/gab-hate-corpus \
      --data $D/jigsaw-wikipedia-talk --data $D/aljazeera-deleted-comments-ar --data $D/osact2020-offensive-ar \
      --data $D/osact2022-fine-grained-ar --data $D/l-hsab-levantine-ar --data $D/mlma-hate-ar

Per language and category, every version side by side at each hold_at: the share of a source's comments the limit
would hold, for every source that does not label the category (its rows never taught that category's model, e.g.
Aljazeera's real news-site comments for Arabic threat), split into the comments its annotators called fine (label 0)
and the rest; in brackets, the share that only the limit holds (the shipped publish_below would publish it). That is
the limit's cost on comments from elsewhere; its recall is in bench/written_eval.py (comments
no version trained on) and in the cards (pooled split, leave-one-source-out). A version's shipped model was fitted on
all its rows, so its own held-out split cannot measure it.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from service.classifier.categories import HATE, THREAT, UNLABELLED, category_label  # noqa: E402
from service.classifier.datasets import SPAM, Row, load_rows  # noqa: E402
from service.classifier.scorer import Scorer  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
from written_eval import shipped_policy  # noqa: E402

HOLD_AT = (0.1, 0.2, 0.3, 0.5)
POLICY = shipped_policy()
CATEGORIES = (THREAT, HATE)


def scores(scorer: Scorer, rows: Sequence[Row], language: str, category: str) -> tuple[np.ndarray, np.ndarray]:
    """The category's scores and whether the overall score alone would publish each comment (shipped thresholds)."""
    probabilities = scorer.probabilities([r.text for r in rows], language)
    published = probabilities[:, 0] < POLICY.thresholds(language).publish_below
    return probabilities[:, scorer.model(language).targets.index(category)], published


def held(found: tuple[np.ndarray, np.ndarray], hold_at: float) -> str:
    """Share held by the limit (share of all comments that only the limit holds: the overall score would publish)."""
    p, published = found
    return f"{(p >= hold_at).mean():.1%} ({((p >= hold_at) & published).mean():.1%})"


def cost_table(versions: list[tuple[str, Scorer]], rows: list[Row], language: str, category: str) -> None:
    unlabelled = sorted(
        {r.source for r in rows if category_label(r, category) == UNLABELLED and r.category != SPAM}
        - {r.source for r in rows if category_label(r, category) != UNLABELLED}
    )
    print(f"\n{language} {category} limit, cost: share held of sources that never taught {category}")
    print("| source | label | rows | " + " | ".join(f"{v} @ {h}" for h in HOLD_AT for v, _ in versions) + " |")
    for source in unlabelled:
        for label in (0, 1):
            subset = [r for r in rows if r.source == source and r.label == label and r.category != SPAM]
            if not subset:
                continue
            found = [scores(s, subset, language, category) for _, s in versions]
            cells = " | ".join(held(f, h) for h in HOLD_AT for f in found)
            print(f"| {source} | {label} | {len(subset)} | {cells} |", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="What category limits hold, per version.")
    parser.add_argument("versions", nargs="+", type=Path)
    parser.add_argument("--data", required=True, action="append", type=Path)
    args = parser.parse_args(argv)
    public = load_rows(args.data)
    for language in ("ar", "en"):
        rows = [r for r in public if r.language == language]
        loaded = [(scorer.model_version, scorer) for scorer in map(Scorer.load, args.versions)]
        for category in CATEGORIES:
            cost_table(loaded, rows, language, category)
    return 0


if __name__ == "__main__":
    sys.exit(main())
