"""Training: balance sources, measure on held-out data (pooled split and leave-one-source-out), fit, save a version."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import multiprocessing
import os
import platform
import subprocess
import sys
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import scipy
import sklearn
import skops
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline

from service.classifier.artifact import (
    VERSION_RE,
    ArtifactError,
    language_sections,
    load_version,
    next_version,
    read_card,
    save_version,
    sha256_file,
)
from service.classifier.balance import balance_sources
from service.classifier.categories import CATEGORY_TARGETS, MIN_CATEGORY_POSITIVES, RULES_TEXT, UNLABELLED
from service.classifier.datasets import (
    LABEL_MAPPING,
    SOURCE_LICENCES,
    DatasetError,
    Row,
    data_files,
    dedupe_rows,
    from_records,
    load_rows,
    read_file,
)
from service.classifier.evaluate import evaluate_rows
from service.classifier.explain import __doc__ as EXPLANATION_DOC
from service.classifier.metrics import auc, rounded
from service.classifier.normalise import __doc__ as NORMALISE_DOC
from service.classifier.pipeline import (
    BASE_TARGETS,
    Hyperparams,
    build_features,
    build_linear,
    fit_pipeline,
    normalised,
    predict_targets,
    source_weights,
    target_labels,
    trainable_targets,
)

logger = logging.getLogger(__name__)

# Per-language defaults over Hyperparams() (chosen by leave-one-source-out AUC: see models/README.md).
LANGUAGE_DEFAULTS: dict[str, dict[str, Any]] = {
    "en": {},
    "ar": {
        "normalisation": "arabic",
        "fold_letters": False,
        "fold_hamza_seats": False,
        "repeat_max": 1,
        "char_ngrams": [1, 4],
        "C": 2.0,
        "source_weighting": False,
        "dedupe": True,
        "max_rows_positive_only": 3000,
    },
}
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


def prepare_rows(rows: Sequence[Row], params: Hyperparams, seed: int) -> tuple[list[Row], dict[str, int]]:
    """Drop duplicates (when params.dedupe) then balance sources; returns the rows used and duplicates per source."""
    dropped: dict[str, int] = {}
    if params.dedupe:
        rows, dropped = dedupe_rows(rows, params.text_normalisation())
    used = balance_sources(
        rows, params.max_positive_rate, params.max_rows_per_source, seed, params.max_rows_positive_only
    )
    return used, dropped


def leave_one_source_out(
    rows: Sequence[Row], params: Hyperparams, seed: int, targets: Sequence[str] = ()
) -> dict[str, Any]:
    """Per source: AUC of P(needs moderation) from a model trained on all other sources only; per category in
    ``targets``, the same for each source labelling it, trained on the other sources that label it.

    Only the linear models are fitted per fold: a target's sigmoid calibration is a monotone map of its decision
    value (one classifier, ensemble=False), so the AUC equals that of the full calibrated pipeline. The fold's
    features (fitted on every other source) are shared by the moderation and category models.
    """
    sources = sorted({r.source for r in rows})
    per_source: dict[str, float | None] = {}
    categories = [t for t in targets if t not in BASE_TARGETS]
    per_category: dict[str, dict[str, float | None]] = {c: {} for c in categories}
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
        x_train = features.fit_transform(normalised(train, params))
        x_test = features.transform(normalised(test, params))
        weights = source_weights(train) if params.source_weighting else None
        linear = build_linear(params, seed).fit(x_train, y_train, sample_weight=weights)
        per_source[source] = rounded(auc(y_test, linear.decision_function(x_test)))
        logger.info("loso source=%s auc=%s", source, per_source[source])
        for category in categories:
            per_category[category].update(_category_fold(train, test, x_train, x_test, category, params, seed))
    known = [v for v in per_source.values() if v is not None]
    return {
        "per_source": per_source,
        "mean": rounded(float(np.mean(known))) if known else None,
        "per_category": {c: v for c, v in per_category.items() if v},
        "note": "train on every other source, test on this one (rank-only: uncalibrated logits); a category only "
        "on the sources that label it, trained on the other sources that label it",
    }


def _category_fold(
    train: Sequence[Row], test: Sequence[Row], x_train: Any, x_test: Any, category: str, params: Hyperparams, seed: int
) -> dict[str, float | None]:
    """The held-out source's AUC for one category (nothing when it or the other sources lack that category)."""
    y_test_all, y_train_all = target_labels(test, category), target_labels(train, category)
    keep_test = np.flatnonzero(y_test_all != UNLABELLED)
    keep_train = np.flatnonzero(y_train_all != UNLABELLED)
    if not keep_test.size:
        return {}
    y_test, y_train = y_test_all[keep_test], y_train_all[keep_train]
    if np.unique(y_test).size < 2 or min(int(y_train.sum()), int((y_train == 0).sum())) < MIN_CATEGORY_POSITIVES:
        return {test[0].source: None}  # labelled here, but no other source teaches it (or one class only)
    weights = source_weights([train[i] for i in keep_train.tolist()]) if params.source_weighting else None
    linear = build_linear(params, seed).fit(x_train[keep_train], y_train, sample_weight=weights)
    value = rounded(auc(y_test, linear.decision_function(x_test[keep_test])))
    logger.info("loso category=%s source=%s auc=%s", category, test[0].source, value)
    return {test[0].source: value}


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
        for file in data_files(path):
            file_rows = read_file(file)
            files.append(
                {
                    "path": str(file),
                    "sha256": sha256_file(file),
                    "rows": len(file_rows),
                    "source": file_rows[0].source if file_rows else None,
                    "language": file_rows[0].language if file_rows else None,
                    "positives": sum(r.label for r in file_rows),
                }
            )
    return files


@dataclass(frozen=True)
class PublicFit:
    """One language's public model fitted on all (balanced) rows, and its card section (no version/artifact)."""

    pipeline: Pipeline
    card: dict[str, Any]
    rows: list[Row]
    used: list[Row]
    params: Hyperparams


def language_params(
    language: str, overrides: dict[str, Any] | None = None, per_language: dict[str, dict[str, Any]] | None = None
) -> Hyperparams:
    """Hyperparams() + LANGUAGE_DEFAULTS[language] + overrides for every language + overrides for this one."""
    values = {
        **Hyperparams().as_dict(),
        **LANGUAGE_DEFAULTS.get(language, {}),
        **(overrides or {}),
        **(per_language or {}).get(language, {}),
    }
    return Hyperparams.from_dict(values)


def resolve_params(params: dict[str, Hyperparams] | Hyperparams | None, language: str) -> Hyperparams:
    """A language's parameters: from a per-language mapping (missing: ``language_params``), or, given one
    Hyperparams, the language's defaults with that Hyperparams' non-default fields applied on top."""
    if isinstance(params, Hyperparams):
        base = Hyperparams().as_dict()
        return language_params(language, {k: v for k, v in params.as_dict().items() if base[k] != v})
    return (params or {}).get(language) or language_params(language)


def common_card(seed: int) -> dict[str, Any]:
    """The card entries every language shares: creation time, git commit, library versions, seed."""
    return {
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
    }


def fit_language_model(
    rows: Sequence[Row], files: Sequence[dict[str, Any]], params: Hyperparams, seed: int, loso: bool, language: str
) -> PublicFit:
    """Dedupe, balance, measure on the pooled split (and leave-one-source-out), then fit on everything: one
    language's public model exactly as ``train_model`` ships it (also the public half of a site blend)."""
    rows = list(rows)
    if len({r.label for r in rows}) < 2:
        raise DatasetError(f"training data of language {language!r} needs both labels")
    used, duplicates = prepare_rows(rows, params, seed)
    logger.info("train language=%s rows=%d used=%d duplicates=%s", language, len(rows), len(used), duplicates)

    targets = trainable_targets(used)
    train, test = pooled_split(used, seed)
    p_test = predict_targets(fit_pipeline(train, params, seed, targets), normalised(test, params))
    held_out = evaluate_rows(test, p_test, targets)
    thresholds = suggest_thresholds(np.array([r.label for r in test]), p_test[:, 0])
    logger.info("pooled language=%s auc=%s ece=%s", language, held_out["auc"], held_out["ece"])

    pipeline = fit_pipeline(used, params, seed, targets)
    sources = _source_balance(rows, used)
    for source, stats in sources.items():
        stats["duplicates_removed"] = duplicates.get(source, 0)
        stats["licence"] = SOURCE_LICENCES.get(source, "the site's own data, or not a recognised public source")
    card: dict[str, Any] = {
        "targets": list(targets),
        "category_labels": {
            "rule": "each category is trained and measured only on rows of the sources that label it",
            "sources": {k: v for k, v in RULES_TEXT.items() if k in sources},
            "not_trained": {
                c: f"fewer than {MIN_CATEGORY_POSITIVES} labelled positives or negatives in this language's data"
                for c in CATEGORY_TARGETS
                if c not in targets
            },
        },
        "positive_label": 1,
        "training_data": {
            "files": list(files),
            "extra_rows": sum(1 for r in rows if r.source not in {f["source"] for f in files}),
            "sources": sources,
            "balancing": (
                "positives of a source above max_positive_rate are subsampled; a positive-only source is capped at "
                "max_rows_positive_only rows; sources weighted equally when source_weighting is true"
                + (
                    "; duplicate texts (after normalisation) removed first, the first file named keeps its copy"
                    if params.dedupe
                    else ""
                )
            ),
        },
        "label_mapping": {k: v for k, v in LABEL_MAPPING.items() if k in sources or k == "generic"},
        "hyperparameters": params.as_dict(),
        "normalisation": " ".join((NORMALISE_DOC or "").split()) if params.normalisation != "none" else "none",
        "explanation": " ".join((EXPLANATION_DOC or "").split()),
        "metrics": {"pooled_split": {"test_fraction": TEST_FRACTION, **held_out}},
        "thresholds": thresholds,
    }
    if loso:
        card["metrics"]["leave_one_source_out"] = leave_one_source_out(used, params, seed, targets)
    return PublicFit(pipeline=pipeline, card=card, rows=rows, used=used, params=params)


def fit_public_models(
    paths: Sequence[Path],
    params: dict[str, Hyperparams] | Hyperparams | None,
    seed: int,
    extra: Sequence[Row] = (),
    loso: bool = True,
    languages: Sequence[str] | None = None,
    workers: int = 1,
    skip: Collection[str] = (),
) -> dict[str, PublicFit]:
    """One public model per language present in the data (or only ``languages``), but none for the languages in
    ``skip`` (their models come from elsewhere); see resolve_params."""
    rows = load_rows(paths) + list(extra)
    files = _files(paths)
    present = sorted({r.language for r in rows})
    chosen = [lang for lang in present if (languages is None or lang in languages) and lang not in skip]
    if not chosen and skip:
        return {}
    if not chosen:
        raise DatasetError(f"no training rows in the language(s) {list(languages or [])}; the data holds {present}")
    jobs = {
        language: (
            [r for r in rows if r.language == language],
            [f for f in files if f["language"] == language],
            resolve_params(params, language),
            seed,
            loso,
            language,
        )
        for language in chosen
    }
    if workers <= 1 or len(jobs) == 1:
        return {language: fit_language_model(*job) for language, job in jobs.items()}
    # Languages are independent: fit them in parallel processes (same results as one after the other).
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = {language: pool.submit(fit_language_model, *job) for language, job in jobs.items()}
        return {language: future.result() for language, future in futures.items()}


def _file_identities(files: Sequence[dict[str, Any]]) -> list[tuple[str, str, str]]:
    # By content, not by path: the same data may be named ../shared/data or /srv/data.
    return sorted((str(f["sha256"]), str(f["source"]), str(f["language"])) for f in files)


def _public_section(section: dict[str, Any]) -> dict[str, Any]:
    """A version's card section without what a site blend and the saved files added to it."""
    public = {k: v for k, v in section.items() if k not in ("language", "blend", "artifact", "site_artifact")}
    public["training_data"] = {k: v for k, v in section["training_data"].items() if k != "site"}
    public["metrics"] = {k: v for k, v in section["metrics"].items() if k != "site_holdout"}
    return public


def version_hyperparameters(folder: Path) -> dict[str, Hyperparams]:
    """Per language, the hyper-parameters a version's public models were trained with (none when unreadable): a site
    retraining keeps them rather than falling back to the defaults (2026-12-03.2's English is not the default)."""
    try:
        sections = language_sections(read_card(folder))
        return {language: Hyperparams.from_dict(s["hyperparameters"]) for language, s in sections.items()}
    except (ArtifactError, KeyError, TypeError) as exc:
        logger.info("no hyper-parameters from %s: %s", folder, exc)
        return {}


def reusable_public_models(
    folder: Path, paths: Sequence[Path], params: dict[str, Hyperparams] | Hyperparams | None, seed: int
) -> dict[str, PublicFit]:
    """Per language, the public model of an existing version when it was trained exactly as this run would train it:
    the same files (by content hash), hyper-parameters, seed and scikit-learn. Refitting would give the same model and
    is most of the cost of a site retraining (7.3 of 12.5 CPU minutes at 800 k decisions). Languages that differ are
    left out (fitted again)."""
    try:
        models, card = load_version(folder)
    except ArtifactError as exc:
        logger.info("public models not reused: %s", exc)
        return {}
    if card.get("seed") != seed:
        return {}
    files = _files(paths)
    sections = language_sections(card)
    reused: dict[str, PublicFit] = {}
    for language in sorted({str(f["language"]) for f in files} & set(sections)):
        section, chosen = sections[language], resolve_params(params, language)
        trained_on = section.get("training_data", {}).get("files", [])
        if section.get("hyperparameters") == chosen.as_dict() and _file_identities(trained_on) == _file_identities(
            [f for f in files if f["language"] == language]
        ):
            reused[language] = PublicFit(models[language][0], _public_section(section), [], [], chosen)
    return reused


def train_model(
    datasets: Sequence[Path | str],
    out_dir: Path | str,
    seed: int = 0,
    version: str | None = None,
    extra_rows: Iterable[tuple[str, int, str | None, str] | tuple[str, int, str | None, str, str]] = (),
    params: dict[str, Hyperparams] | Hyperparams | None = None,
    loso: bool = True,
    languages: Sequence[str] | None = None,
    workers: int = 1,
) -> Path:
    """Train one model per language present (or only ``languages``), evaluate each on held-out data and save a new
    immutable version folder under out_dir; returns that folder.

    ``extra_rows`` are additional labelled ``(text, label, category, source[, language])`` tuples, e.g. moderators'
    decisions. ``params``: see resolve_params (default: ``language_params`` of each language). ``workers`` > 1 fits
    languages in parallel processes.
    """
    out = Path(out_dir)
    paths = [Path(p) for p in datasets]
    fits = fit_public_models(paths, params, seed, from_records(extra_rows), loso, languages, workers)
    version = version or next_version(out)
    folder = out / version
    save_version(
        folder,
        {"version": version, **common_card(seed)},
        {language: fit.card for language, fit in fits.items()},
        {language: (fit.pipeline, None) for language, fit in fits.items()},
    )
    logger.info("saved %s", folder)
    return folder


def parse_params(values: Sequence[str]) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """``NAME=JSON`` (every language) and ``LANG.NAME=JSON`` (one language) overrides."""
    common: dict[str, Any] = {}
    per_language: dict[str, dict[str, Any]] = {}
    for item in values:
        name, sep, raw = item.partition("=")
        if not sep:
            raise ValueError(f"{item!r} is not NAME=JSON")
        language, dot, field = name.rpartition(".")
        target = per_language.setdefault(language, {}) if dot else common
        target[field if dot else name] = json.loads(raw)
    return common, per_language


def main(argv: list[str] | None = None) -> int:
    """``moderato train --data PATH [--data PATH ...] [--out models/] [--seed N] [--version V] [--language L]``."""
    parser = argparse.ArgumentParser(prog="moderato train", description="Train, evaluate and save a model version.")
    parser.add_argument("--data", required=True, action="append", type=Path, help="file or folder (repeatable)")
    parser.add_argument("--out", default=Path("models"), type=Path, help="folder holding model versions")
    parser.add_argument("--seed", default=0, type=int)
    parser.add_argument("--version", default=None, help="YYYY-MM-DD.N (default: next free one for today)")
    parser.add_argument("--no-loso", action="store_true", help="skip the leave-one-source-out evaluation")
    parser.add_argument(
        "--language", action="append", default=None, help="train only this language (repeatable; default: all)"
    )
    parser.add_argument(
        "--workers", default=min(2, os.cpu_count() or 1), type=int, help="languages fitted in parallel processes"
    )
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="[LANG.]NAME=JSON",
        help="override a hyper-parameter for every language (C=1.0) or one language (ar.C=1.0)",
    )
    args = parser.parse_args(argv)
    if args.version is not None and not VERSION_RE.match(args.version):
        parser.error("--version must look like YYYY-MM-DD.N")
    try:
        common, per_language = parse_params(args.param)
        params = {lang: language_params(lang, common, per_language) for lang in {*LANGUAGE_DEFAULTS, *per_language}}
    except (ValueError, TypeError) as exc:
        parser.error(f"bad --param: {exc}")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s", stream=sys.stderr)
    try:
        folder = train_model(
            args.data,
            args.out,
            seed=args.seed,
            version=args.version,
            params=params,
            loso=not args.no_loso,
            languages=args.language,
            workers=args.workers,
        )
    except (ArtifactError, DatasetError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(folder)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
