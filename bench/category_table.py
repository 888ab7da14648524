"""Print a model card's per-category figures as the Markdown tables of models/README.md (issue 17).

Run: .venv/bin/python bench/category_table.py models/2026-12-03.2 [--compare models/2026-12-03.1]
Per language: each category's pooled held-out AUC and ECE per labelling source, its leave-one-source-out AUC
(trained on the other labelling sources), its operating points, and needs-moderation beside the compared version.
Reads the card only: the figures were measured by the train command that wrote it.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

CARD = "model-card.json"


def fmt(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def sections(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return card.get("languages") or {"en": card}


def category_rows(section: dict[str, Any]) -> list[str]:
    pooled = section["metrics"]["pooled_split"]["per_category"]
    loso = section["metrics"].get("leave_one_source_out", {}).get("per_category", {})
    lines = []
    for category in section["targets"][3:]:
        entry = pooled[category]
        for source, stats in entry["per_source"].items():
            lines.append(
                f"| {category} | {source} | {stats['rows']} | {stats['positives']} | {fmt(stats['auc'])} | "
                f"{fmt(stats['ece'])} | {fmt(loso.get(category, {}).get(source))} |"
            )
        lines.append(
            f"| **{category}** | all labelling sources | {entry['labelled_rows']} | {entry['positives']} | "
            f"**{fmt(entry['auc'])}** | {fmt(entry['ece'])} | |"
        )
    return lines


def operating_rows(section: dict[str, Any]) -> list[str]:
    pooled = section["metrics"]["pooled_split"]["per_category"]
    lines = []
    for category in section["targets"][3:]:
        points = " / ".join(
            f"{p['hold_at']}: {fmt(p['recall'], 2)}, {fmt(p['precision'], 2)}, {fmt(p['held_share'], 3)}"
            for p in pooled[category]["operating_points"]
        )
        lines.append(f"| {category} | {points} |")
    return lines


def moderation_row(version: str, section: dict[str, Any]) -> str:
    metrics = section["metrics"]
    loso = metrics.get("leave_one_source_out", {})
    per_source = ", ".join(f"{k} {fmt(v)}" for k, v in loso.get("per_source", {}).items())
    pooled = metrics["pooled_split"]
    return f"| {version} | {fmt(loso.get('mean'))} | {per_source} | {fmt(pooled['auc'])} | {fmt(pooled['ece'])} |"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("model", type=Path)
    parser.add_argument("--compare", type=Path, default=None, help="an older version: needs-moderation side by side")
    args = parser.parse_args(argv)
    card = json.loads((args.model / CARD).read_text(encoding="utf-8"))
    older = json.loads((args.compare / CARD).read_text(encoding="utf-8")) if args.compare else None
    for language, section in sections(card).items():
        print(f"\n### {language}: categories (pooled 20% split per source; leave-one-source-out)\n")
        print("| category | source | held-out rows | positives | pooled AUC | ECE | LOSO AUC |")
        print("| --- | --- | --- | --- | --- | --- | --- |")
        print("\n".join(category_rows(section)))
        print(
            f"\n{language}: operating points per category (hold_at: recall, precision, share of labelled rows held)\n"
        )
        print("| category | operating points |\n| --- | --- |")
        print("\n".join(operating_rows(section)))
        print(f"\n{language}: needs moderation\n")
        print("| version | LOSO mean | LOSO per source | pooled AUC | ECE |\n| --- | --- | --- | --- | --- |")
        print(moderation_row(card["version"], section))
        if older is not None and language in sections(older):
            print(moderation_row(older["version"], sections(older)[language]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
