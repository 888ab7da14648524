"""Does a site's own moderation pay off? A learning curve on a realistic site, per language, ways of learning compared.

A public source the public model never sees plays the site: CAD (Reddit comments) for English, the Aljazeera
reader comments for Arabic. Its rows (bodies within the API's limit, duplicates dropped) are put in id order and its
held comments subsampled to a news-site-like held rate (4.5 %). The last ``--future`` comments are the site's future;
every earlier comment is its history ("every comment the site has received"), and the last N history comments are the
ones its moderators decided, for N in 250, 500, 1,000, 2,000, 4,000. The public model is trained on every other
source of that language (the shipped per-language defaults; ``--public-cap`` rows per source, 0 = all of them).

For every N and every method it prints, on the future comments: ROC AUC, average precision, and the moderators'
workload (share of comments at or above the highest score threshold that still wrongly publishes at most 10 % of the
comments the moderators would hold, the same rule as the card's suggested publish_below). Decisions are split as the
product splits them: every fifth comment id is the held-out slice, never trained on.

In-process path: ``service.classifier.site.blend_language`` on the same rows the train command would read.
API path (``--api N``): a Flask test app on a temporary SQLite database; the history comments are posted through
``POST /api/v1/comments`` and the last N decided through ``POST /api/v1/comments/<id>/decision``, then
``moderato train --include-decisions`` runs, and the new version scores the future; the in-process figures for the
same N are printed beside it.

    .venv/bin/python bench/site_learning.py [--language en --language ar] [--api 1000] [--public-cap 0]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import pickle
import random
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from scipy.stats import rankdata
from sklearn.metrics import average_precision_score

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from service.classifier.blend import BlendWeights, blend_probability  # noqa: E402
from service.classifier.datasets import ARABIC, ENGLISH, Row, data_files, load_rows, read_file  # noqa: E402
from service.classifier.metrics import auc  # noqa: E402
from service.classifier.normalise import dedupe_key, normalise_texts  # noqa: E402
from service.classifier.pipeline import fit_pipeline, predict_targets  # noqa: E402
from service.classifier.site import PREVIOUS_METHOD, SHIPPED_METHOD, SiteMethod, blend_language  # noqa: E402
from service.classifier.train import PublicFit, language_params, prepare_rows  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
SITE_SOURCE = {ENGLISH: "cad-contextual-abuse", ARABIC: "aljazeera-deleted-comments-ar"}
PUBLIC_SOURCES = {
    ENGLISH: [
        "davidson-hate-offensive",
        "gab-hate-corpus",
        "jigsaw-wikipedia-talk",
        "sms-spam-collection",
        "youtube-spam-collection",
    ],
    ARABIC: [
        "osact2020-offensive-ar",
        "osact2022-fine-grained-ar",
        "l-hsab-levantine-ar",
        "mlma-hate-ar",
        "spam-ham-tweets-ar",
    ],
}
FUTURE = {ENGLISH: 4000, ARABIC: 1200}
POINTS = (250, 500, 1000, 2000, 4000)
HELD_RATE = 0.045
MAX_MISSED = 0.10
BODY_LIMIT = 1500
CACHE = Path(tempfile.gettempdir()) / "moderato-site-learning-cache"

# Variants compared with today's method; the shipped one is SHIPPED_METHOD.
# Variants tried at the --variants-at points (every point runs the previous and the shipped method).
VARIANTS: dict[str, SiteMethod] = {
    "previous + category logits": replace(PREVIOUS_METHOD, inputs="categories"),
    "previous + vocabulary from all site comments": replace(PREVIOUS_METHOD, vocabulary="site_comments"),
    "previous + balanced class weight": replace(PREVIOUS_METHOD, class_weight="balanced"),
    "shipped + balanced class weight": replace(SHIPPED_METHOD, class_weight="balanced"),
}


@dataclass(frozen=True)
class Site:
    """One language's site: history (every comment received, id order) and future, with labels."""

    language: str
    history: list[Row]
    future: list[Row]


def _cad_comment_ids() -> dict[str, int]:
    """Cleaned text -> Reddit comment id as an integer (posts and titles have other id spaces: left out)."""
    ids: dict[str, int] = {}
    for file in data_files(DATA / SITE_SOURCE[ENGLISH]):
        with file.open(newline="", encoding="utf-8-sig") as handle:
            for rec in csv.DictReader(handle):
                if "-" not in rec["id"]:
                    ids.setdefault(rec["text"].replace("[linebreak]", "\n").strip(), int(rec["id"], 36))
    return ids


def load_site(language: str, future: int, seed: int) -> Site:
    """The site's rows in id order, held comments subsampled to HELD_RATE, split into history and future."""
    folder = DATA / SITE_SOURCE[language]
    if language == ENGLISH:
        ids = _cad_comment_ids()
        rows = sorted((r for r in load_rows([folder]) if r.text in ids), key=lambda r: ids[r.text])
    else:
        # The Aljazeera files carry no ids: their own order (files in name order) stands in for id order.
        rows = [r for file in data_files(folder) for r in read_file(file)]
    norm = language_params(language).text_normalisation()
    seen: set[str] = set()
    kept = []
    for row in rows:
        key = dedupe_key(row.text, norm)
        if len(row.text) <= BODY_LIMIT and key not in seen:
            seen.add(key)
            kept.append(row)
    negatives = sum(1 for r in kept if not r.label)
    positives = [i for i, r in enumerate(kept) if r.label]
    keep = round(negatives * HELD_RATE / (1 - HELD_RATE))
    chosen = set(random.Random(f"{seed}:{language}").sample(positives, min(keep, len(positives))))
    kept = [r for i, r in enumerate(kept) if not r.label or i in chosen]
    return Site(language, kept[:-future], kept[-future:])


def public_folders(language: str, cap: int, seed: int) -> list[Path]:
    """The language's public sources, or with ``cap`` a label-stratified sample of at most cap rows per source
    written as generic CSVs (text,label,category,language), so the API path's train command reads the same rows."""
    folders = [DATA / name for name in PUBLIC_SOURCES[language]]
    if not cap:
        return folders
    out = CACHE / f"public-{language}-cap{cap}-seed{seed}"
    if not out.is_dir():
        tmp = out.with_name(out.name + ".tmp")
        tmp.mkdir(parents=True, exist_ok=True)
        for folder in folders:
            rows = load_rows([folder])
            if len(rows) > cap:
                rng = random.Random(f"{seed}:{folder.name}")
                positives = [r for r in rows if r.label]
                negatives = [r for r in rows if not r.label]
                k = round(len(positives) * cap / len(rows))
                rows = rng.sample(positives, k) + rng.sample(negatives, cap - k)
            with (tmp / f"{folder.name}.csv").open("w", newline="", encoding="utf-8") as handle:
                writer = csv.writer(handle)
                writer.writerow(["text", "label", "category", "language"])
                writer.writerows([r.text, r.label, r.category or "", r.language] for r in rows)
        tmp.rename(out)
    return [out]


def public_fit(language: str, cap: int, seed: int) -> PublicFit:
    """The language's public model on every other source (cached on disk between runs: same inputs, same model)."""
    params = language_params(language)
    key = hashlib.sha256(json.dumps([language, cap, seed, params.as_dict(), PUBLIC_SOURCES[language]]).encode())
    path = CACHE / f"public-{language}-{key.hexdigest()[:16]}.pkl"
    if path.is_file():
        with path.open("rb") as handle:
            fit: PublicFit = pickle.load(handle)  # noqa: S301 - our own cache file, written below
            return fit
    rows = load_rows(public_folders(language, cap, seed))
    used, _ = prepare_rows(rows, params, seed)
    fit = PublicFit(fit_pipeline(used, params, seed), {"language": language}, rows, used, params)
    CACHE.mkdir(exist_ok=True)
    with path.open("wb") as handle:
        pickle.dump(fit, handle)
    return fit


def workload(y: np.ndarray, p: np.ndarray) -> float:
    """Share of comments a moderator sees when at most MAX_MISSED of the held ones are published automatically."""
    order = np.sort(p[y == 1])
    allowed = int(np.floor(MAX_MISSED * order.size))
    threshold = order[allowed]  # the allowed lowest-scored held comments fall below it
    return float((p >= threshold).mean())


def measure(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    """ROC AUC, average precision and workload on the future comments."""
    return {
        "auc": round(float(auc(y, p) or 0.0), 4),
        "ap": round(float(average_precision_score(y, p)), 4),
        "workload": round(workload(y, p), 4),
    }


def split_decisions(site: Site, n: int, first_id: int) -> tuple[list[Row], list[Row]]:
    """The last n history comments as decisions, split as the product does (comment id % 5 == 0 held out); ids are
    assigned in posting order from first_id to the whole history."""
    start = len(site.history) - n
    train: list[Row] = []
    holdout: list[Row] = []
    for i in range(start, len(site.history)):
        (holdout if (first_id + i) % 5 == 0 else train).append(site.history[i])
    return train, holdout


def in_process(
    site: Site, public: PublicFit, n: int, method: SiteMethod, seed: int, first_id: int, p_public: np.ndarray
) -> tuple[np.ndarray, np.ndarray | None, dict[str, Any]]:
    """Blend scores and site-alone scores on the future comments, and the card's blend entries."""
    norm = public.params.text_normalisation()

    def normalised_rows(rows: Sequence[Row]) -> list[Row]:
        return [replace(r, text=t) for r, t in zip(rows, normalise_texts([r.text for r in rows], norm), strict=True)]

    train, holdout = split_decisions(site, n, first_id)
    pool = normalise_texts([r.text for r in site.history], norm)
    pipeline, found = blend_language(
        public, normalised_rows(train), normalised_rows(holdout), seed, False, method, pool
    )
    if pipeline is None:
        return p_public[:, 0], None, found
    future = normalise_texts([r.text for r in site.future], norm)
    p_site = predict_targets(pipeline, future)[:, 0]
    weights = BlendWeights.from_card(found["blend"])
    return blend_probability(weights, p_public, p_site), p_site, found


def rank_average(*scores: np.ndarray) -> np.ndarray:
    """Mean of the scores' ranks (0-1): the plain combination the issue measured."""
    return np.asarray(np.mean([rankdata(s) / len(s) for s in scores], axis=0), dtype=np.float64)


def curve(
    site: Site,
    public: PublicFit,
    points: Sequence[int],
    seed: int,
    variants_at: Sequence[int],
    only: Sequence[str] = (),
) -> dict[str, Any]:
    """The previous and the shipped method at every point (the variants too at ``variants_at``), on the future."""
    norm = public.params.text_normalisation()
    y = np.array([r.label for r in site.future], dtype=np.int64)
    p_public = predict_targets(public.pipeline, normalise_texts([r.text for r in site.future], norm))
    table: dict[str, Any] = {"public alone": measure(y, p_public[:, 0])}
    for n in points:
        if n > len(site.history):
            continue
        row: dict[str, Any] = {}
        methods = {"previous": PREVIOUS_METHOD, "shipped": SHIPPED_METHOD}
        if n in variants_at:
            methods |= {name: m for name, m in VARIANTS.items() if m not in methods.values()}
        if only:
            methods = {name: m for name, m in methods.items() if name in only}
        for name, method in methods.items():
            started = time.perf_counter()
            blended, p_site, found = in_process(site, public, n, method, seed, 1, p_public)
            row[name] = {**measure(y, blended), "seconds": round(time.perf_counter() - started, 1)}
            print(json.dumps({"language": site.language, "decisions": n, name: row[name]}), flush=True)
            if name in ("previous", "shipped"):
                row[name]["card_holdout_gain_auc"] = found["blend"].get("holdout_gain_auc")
            if p_site is not None and method in (PREVIOUS_METHOD, SHIPPED_METHOD):
                label = "previous" if method == PREVIOUS_METHOD else "shipped"
                row[f"site alone ({label})"] = measure(y, p_site)
                row[f"rank average public+site ({label})"] = measure(y, rank_average(p_public[:, 0], p_site))
        table[str(n)] = row
        print(json.dumps({"language": site.language, "decisions": n, **row}), flush=True)
    return table


def print_curve(language: str, table: dict[str, Any]) -> None:
    """The learning curve: AUC / AP / workload of public alone, previous and shipped per number of decisions."""
    base = table["public alone"]
    print(f"\n{language}: public alone AUC {base['auc']:.3f} AP {base['ap']:.3f} workload {base['workload']:.1%}")
    print("decisions | method | AUC (gain) | AP | workload")
    for n, row in table.items():
        if n == "public alone":
            continue
        for name, m in row.items():
            print(
                f"{n} | {name} | {m['auc']:.3f} ({m['auc'] - base['auc']:+.3f}) | {m['ap']:.3f} | {m['workload']:.1%}"
            )


def make_app(work: Path, model: Path) -> Any:
    """A test app on a temporary SQLite database serving ``model``, rate limits off."""
    from flask_migrate import upgrade

    from service.app import create_app
    from service.extensions import db

    settings = {
        "secret_key": "bench-secret",
        "database": {"url": f"sqlite:///{work / 'bench.db'}"},
        "model": {"path": str(model), "fail_safe": False},
        "rate_limits": {"enabled": False},
        "logging": {"level": "WARNING"},
    }
    app = create_app(settings, check_schema=False)
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return create_app(settings)


def save_public(publics: dict[str, PublicFit], folder: Path, seed: int) -> Path:
    """The public models as the version the site serves before it learns (no retraining)."""
    from service.classifier.artifact import save_version
    from service.classifier.train import common_card

    sections = {lang: {"hyperparameters": fit.params.as_dict()} for lang, fit in publics.items()}
    save_version(
        folder,
        {"version": folder.name, **common_card(seed)},
        sections,
        {lang: (fit.pipeline, None) for lang, fit in publics.items()},
    )
    return folder


def api_point(
    sites: dict[str, Site], publics: dict[str, PublicFit], n: int, pool: int, cap: int, seed: int
) -> dict[str, Any]:
    """Post each language's last ``pool`` history comments through the API, decide the last n of them, run
    ``moderato train --include-decisions`` and score the future; beside it the in-process path on the same rows."""
    from click.testing import CliRunner
    from flask.cli import ScriptInfo

    from service import auth
    from service.classifier.scorer import Scorer
    from service.cli import main as cli
    from service.extensions import db

    result: dict[str, Any] = {"decisions_per_language": n, "comments_posted_per_language": pool}
    with tempfile.TemporaryDirectory(prefix="moderato-site-learning-") as tmp:
        work = Path(tmp)
        before = save_public(publics, work / "models" / "2026-11-30.1", seed)
        app = make_app(work, before)
        with app.app_context():
            admin = auth.create_token("bench-admin", auth.Role.ADMIN, actor="bench").secret
            moderator = auth.create_token("bench-moderator", auth.Role.MODERATOR, actor="bench").secret
            db.session.remove()
        client = app.test_client()
        patched = client.patch(
            "/api/v1/policy",
            json={"publish_below": 0.0, "reject_at": 1.0},
            headers={"Authorization": f"Bearer {admin}"},
        )
        assert patched.status_code == 200, patched.get_json()
        headers = {"Authorization": f"Bearer {moderator}"}
        started = time.perf_counter()
        first_ids: dict[str, int] = {}
        posted = 0
        for language, site in sites.items():
            chosen = site.history[-pool:]
            stats = {"posted": 0, "decided": 0, "not_pending": 0, "stored_as_other_language": 0}
            for k, row in enumerate(chosen):
                payload = {
                    "article_id": f"site/{language}/{k % 97}",
                    "author_name": f"Reader {posted}",
                    "author_email": f"reader{posted}@example.org",
                    "body": row.text,
                }
                response = client.post("/api/v1/comments", json=payload)
                assert response.status_code == 201, response.get_json()
                created = response.get_json()
                posted += 1
                stats["posted"] += 1
                if k == 0:
                    first_ids[language] = created["id"] - (len(site.history) - len(chosen))
                stats["stored_as_other_language"] += created.get("language", language) != language
                if k < len(chosen) - n:
                    continue
                if created["status"] != "pending":
                    stats["not_pending"] += 1
                    continue
                action = {"action": "reject", "reason": "abuse"} if row.label else {"action": "approve"}
                decided = client.post(f"/api/v1/comments/{created['id']}/decision", json=action, headers=headers)
                assert decided.status_code == 200, decided.get_json()
                stats["decided"] += 1
            result[language] = {"api": stats}
        result["seconds_posting"] = round(time.perf_counter() - started, 1)
        started = time.perf_counter()
        folders = [str(folder) for lang in sites for folder in public_folders(lang, cap, seed)]
        args = ["train", "--include-decisions", "--out", str(work / "models"), "--version", "2026-11-30.2"]
        args += ["--seed", str(seed)] + [x for folder in folders for x in ("--data", folder)]
        ran = CliRunner().invoke(cli, args, obj=ScriptInfo(create_app=lambda: app), catch_exceptions=False)
        assert ran.exit_code == 0, ran.output
        result["seconds_train_command"] = round(time.perf_counter() - started, 1)
        after = Scorer.load(work / "models" / "2026-11-30.2")
        for language, site in sites.items():
            y = np.array([r.label for r in site.future], dtype=np.int64)
            texts = [r.text for r in site.future]
            norm = publics[language].params.text_normalisation()
            p_public = predict_targets(publics[language].pipeline, normalise_texts(texts, norm))
            p_api = after.probabilities(texts, language)[:, 0]
            history = Site(language, site.history[-pool:], site.future)
            p_local, _, found = in_process(
                history, publics[language], n, SHIPPED_METHOD, seed, first_ids[language], p_public
            )
            section = after.card["languages"][language]
            result[language] |= {
                "public alone": measure(y, p_public[:, 0]),
                "API path (train command)": measure(y, p_api),
                "in-process (blend_language)": measure(y, p_local),
                "max |p_api - p_in_process|": round(float(np.max(np.abs(p_api - p_local))), 6),
                "card_site_training_rows": section["blend"].get("site_model", {}).get("rows"),
                "in_process_site_training_rows": found["blend"].get("site_model", {}).get("rows"),
                "card_holdout_gain_auc": section["blend"].get("holdout_gain_auc"),
            }
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--language", action="append", choices=sorted(SITE_SOURCE), help="default: both")
    parser.add_argument("--points", type=int, nargs="*", default=list(POINTS))
    parser.add_argument("--variants-at", type=int, nargs="*", default=[4000], help="points where variants run")
    parser.add_argument("--method", action="append", default=[], help="run only these methods (repeatable)")
    parser.add_argument("--public-cap", type=int, default=0, help="rows per public source (0: all)")
    parser.add_argument("--api", type=int, default=0, help="also run this point through the API (0: skip)")
    parser.add_argument("--api-pool", type=int, default=0, help="history comments posted per language (default: --api)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, help="write the whole report here too")
    args = parser.parse_args()
    languages = args.language or [ENGLISH, ARABIC]
    report: dict[str, Any] = {"held_rate": HELD_RATE, "max_missed": MAX_MISSED, "public_cap": args.public_cap}
    sites = {lang: load_site(lang, FUTURE[lang], args.seed) for lang in languages}
    publics = {}
    for language, site in sites.items():
        started = time.perf_counter()
        publics[language] = public_fit(language, args.public_cap, args.seed)
        report[language] = {
            "site": SITE_SOURCE[language],
            "history": len(site.history),
            "history_held": sum(r.label for r in site.history),
            "future": len(site.future),
            "future_held": sum(r.label for r in site.future),
            "public_rows_used": len(publics[language].used),
            "public_seconds": round(time.perf_counter() - started, 1),
        }
        print(json.dumps({language: report[language]}), flush=True)
        report[language]["curve"] = curve(
            site, publics[language], args.points, args.seed, args.variants_at, args.method
        )
    if args.api:
        report["api"] = api_point(sites, publics, args.api, args.api_pool or args.api, args.public_cap, args.seed)
    for language in languages:
        print_curve(language, report[language]["curve"])
    if "api" in report:
        print("\nAPI path vs in-process at the same point:")
        print(json.dumps(report["api"], indent=2))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
