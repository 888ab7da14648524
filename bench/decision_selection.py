"""Which comments should humans decide? Model gain per human decision of today's selection against an uncertainty
share (issue 18, part 3), on the realistic site of bench/site_learning.py.

The site (CAD Reddit for English, Aljazeera for Arabic, 4.5 % held, history/future split) is served by the public
model with the shipped policy (``config/default.toml``: the language's publish_below / reject_at, high_band, and
audit_sample_rate). Walking through the history, humans decide:

- ``today``: every comment the policy queues (its score at or above publish_below, or in the high band when
  high_band is "hold") and the blind audit sample (each automatic outcome with probability audit_sample_rate);
- ``+ nearest S``: the same, plus the automatic outcomes whose score is nearest a threshold the outcome depends on
  (distance in logit; with high_band "hold" only publish_below decides automatically), as many as make S of all the
  decisions: an online rule "queue every automatic outcome within a fixed margin of the threshold", the margin
  chosen on the history to spend that share;
- ``+ random S`` (the control): the same share of automatic outcomes drawn at random (a larger blind audit sample),
  so the comparison says whether *nearness* buys anything, not just "more automatic outcomes decided".

For each number of decisions N the last N decided history comments are the decisions (a selection that adds
decisions reaches N over fewer comments), split as the product splits them (comment id % 5 == 0 held out), and the
shipped site method (``SHIPPED_METHOD``) retrains. Measured on **every future comment** (not on decisions: the
selected decisions are not a random sample, so the card's held-out gain is printed only for reference): ROC AUC,
average precision and workload as in bench/site_learning.py, per seed (the seed draws the site's held subsample, the
audit and random draws and the site model's folds; the public model is the seed-0 one, trained once and cached),
then mean, spread and the paired difference from ``today`` over seeds.

    .venv/bin/python bench/decision_selection.py [--language en] [--points 500 1000 2000] [--seeds 0 1 2]
        [--share 0.1 --share 0.2] [--json out.json]
    .venv/bin/python bench/decision_selection.py --summary out.json    # the tables of a saved report again

The figures and their reading (an uncertainty share did not beat today's selection) are in models/README.md.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from site_learning import FUTURE, load_site, measure, public_fit  # noqa: E402

from service.classifier.blend import BlendWeights, as_logit, blend_probability  # noqa: E402
from service.classifier.datasets import ENGLISH, Row  # noqa: E402
from service.classifier.normalise import normalise_texts  # noqa: E402
from service.classifier.pipeline import predict_targets  # noqa: E402
from service.classifier.site import SHIPPED_METHOD, blend_language  # noqa: E402
from service.classifier.train import PublicFit  # noqa: E402
from service.policy import Thresholds, outcome  # noqa: E402
from service.status import Status  # noqa: E402

CONFIG = Path(__file__).resolve().parents[1] / "config" / "default.toml"
POINTS = (500, 1000, 2000)
SHARES = (0.1, 0.2)
QUEUE, AUDIT, EXTRA = 1, 2, 3


@dataclass(frozen=True)
class ServedPolicy:
    """The part of the shipped policy that chooses what humans decide, for one language."""

    thresholds: Thresholds
    audit_sample_rate: float


def served_policy(language: str, config: Path = CONFIG) -> ServedPolicy:
    """The language's thresholds, high band and audit rate from the shipped configuration."""
    policy = tomllib.loads(config.read_text(encoding="utf-8"))["policy"]
    own = policy.get("thresholds_by_language", {}).get(language, policy)
    thresholds = Thresholds(float(own["publish_below"]), float(own["reject_at"]), str(policy["high_band"]))
    return ServedPolicy(thresholds, float(policy["audit_sample_rate"]))


@dataclass(frozen=True)
class Selection:
    """Today's selection plus ``share`` of the decisions spent on ``extra`` ("nearest" or "random") automatic
    outcomes; share 0 is today's."""

    extra: str = "none"
    share: float = 0.0

    @property
    def name(self) -> str:
        return "today" if not self.share else f"+ {self.extra} {self.share:.0%}"


def boundary_distance(p: np.ndarray, thresholds: Thresholds) -> np.ndarray:
    """Logit distance of each score to the nearest threshold that separates an automatic outcome from the queue."""
    edges = [thresholds.publish_below] + ([thresholds.reject_at] if thresholds.high_band == "reject" else [])
    z = as_logit(p)
    return np.asarray(np.min([np.abs(z - float(as_logit(np.array([e]))[0])) for e in edges], axis=0))


def select(p: np.ndarray, served: ServedPolicy, selection: Selection, seed: int) -> np.ndarray:
    """Per history comment (scores ``p`` of the served model, in posting order): 0 not decided, QUEUE, AUDIT or
    EXTRA (the selection's additional share)."""
    rng = np.random.default_rng([seed, 18])
    audit_draw = rng.random(p.size)
    extra_draw = rng.random(p.size)
    kind = np.zeros(p.size, dtype=np.int64)
    queued = np.array([outcome(float(s), served.thresholds) == Status.PENDING for s in p])
    kind[queued] = QUEUE
    kind[~queued & (audit_draw < served.audit_sample_rate)] = AUDIT
    if selection.share:
        rest = np.flatnonzero(kind == 0)
        wanted = min(rest.size, round(selection.share * np.count_nonzero(kind) / (1 - selection.share)))
        key = boundary_distance(p[rest], served.thresholds) if selection.extra == "nearest" else extra_draw[rest]
        kind[rest[np.argsort(key, kind="stable")[:wanted]]] = EXTRA
    return kind


def decisions(kind: np.ndarray, n: int) -> tuple[list[int], list[int]]:
    """History indices of the last n decided comments, split as the product splits them (id = index + 1, every
    fifth id held out)."""
    chosen = np.flatnonzero(kind)[-n:]
    train = [int(i) for i in chosen if (i + 1) % 5]
    holdout = [int(i) for i in chosen if not (i + 1) % 5]
    return train, holdout


def retrain(
    public: PublicFit,
    history: Sequence[Row],
    train: list[int],
    holdout: list[int],
    seed: int,
    future: tuple[list[str], np.ndarray],
) -> tuple[np.ndarray, dict[str, Any]]:
    """The shipped site method on the chosen decisions (rows already normalised): blended scores on the future
    (``future``: its normalised texts and the public model's probabilities)."""
    texts, p_public = future
    pipeline, found = blend_language(
        public, [history[i] for i in train], [history[i] for i in holdout], seed, False, SHIPPED_METHOD
    )
    if pipeline is None:
        return p_public[:, 0], found
    p_site = predict_targets(pipeline, texts)[:, 0]
    return blend_probability(BlendWeights.from_card(found["blend"]), p_public, p_site), found


def run_seed(
    language: str, public: PublicFit, points: Sequence[int], selections: Sequence[Selection], seed: int
) -> dict[str, Any]:
    """Every selection at every point for one seed's site."""
    site = load_site(language, FUTURE[language], seed)
    norm = public.params.text_normalisation()
    history = [
        replace(r, text=t)
        for r, t in zip(site.history, normalise_texts([r.text for r in site.history], norm), strict=True)
    ]
    future_texts = normalise_texts([r.text for r in site.future], norm)
    y = np.array([r.label for r in site.future], dtype=np.int64)
    p_future = predict_targets(public.pipeline, future_texts)
    p_history = predict_targets(public.pipeline, [r.text for r in history])[:, 0]
    y_history = np.array([r.label for r in history], dtype=np.int64)
    served = served_policy(language)
    out: dict[str, Any] = {"public alone": measure(y, p_future[:, 0])}
    for selection in selections:
        kind = select(p_history, served, selection, seed)
        for n in points:
            if np.count_nonzero(kind) < n:
                print(json.dumps({"language": language, "seed": seed, "decisions": n, "skipped": "too few"}))
                continue
            started = time.perf_counter()
            train, holdout = decisions(kind, n)
            chosen = sorted(train + holdout)
            p, found = retrain(public, history, train, holdout, seed, (future_texts, p_future))
            window = len(history) - chosen[0]
            result = {
                **measure(y, p),
                "comments_covered": window,
                "held_in_decisions": int(y_history[chosen].sum()),
                "share": {
                    name: round(float(np.mean(kind[chosen] == code)), 3)
                    for name, code in (("queue", QUEUE), ("audit", AUDIT), ("extra", EXTRA))
                },
                "card_holdout_gain_auc": found["blend"].get("holdout_gain_auc"),
                "seconds": round(time.perf_counter() - started, 1),
            }
            out.setdefault(str(n), {})[selection.name] = result
            print(json.dumps({"language": language, "seed": seed, "decisions": n, selection.name: result}), flush=True)
    return out


def _spread(values: Sequence[float], digits: int = 3) -> str:
    """Mean ± sample standard deviation over seeds (± 0 with one seed)."""
    a = np.asarray(values, dtype=np.float64)
    sd = float(a.std(ddof=1)) if a.size > 1 else 0.0
    return f"{a.mean():.{digits}f} ± {sd:.{digits}f}"


def _difference(values: Sequence[float], digits: int = 3) -> str:
    """Mean ± spread of a paired difference, signed."""
    a = np.asarray(values, dtype=np.float64)
    sd = float(a.std(ddof=1)) if a.size > 1 else 0.0
    return f"{a.mean():+.{digits}f} ± {sd:.{digits}f}"


def _card_gain(values: Sequence[float | None]) -> str:
    """The card's held-out gain over the seeds whose version had a site model (n/a when none had one)."""
    found = [v for v in values if v is not None]
    if not found:
        return "n/a"
    return _difference(found) + (f" ({len(found)} of {len(values)} seeds)" if len(found) < len(values) else "")


def summarise(language: str, runs: dict[int, dict[str, Any]], points: Sequence[int], names: Sequence[str]) -> None:
    """Per point and selection: mean ± spread over seeds, and the paired difference from today's selection."""
    seeds = sorted(runs)
    base = [runs[s]["public alone"]["auc"] for s in seeds]
    print(f"\n{language}: seeds {seeds}; public model alone AUC {_spread(base)}")
    print(
        "decisions | selection | AUC | AP | workload | AUC − today | AP − today | workload − today "
        "| held in decisions | comments covered | future gain | card's held-out gain (selected decisions)"
    )
    for n in points:
        if any(name not in runs[s].get(str(n), {}) for s in seeds for name in names):
            print(f"{n} | (fewer decided history comments than that for some selection or seed: skipped)")
            continue
        today = [runs[s][str(n)]["today"] for s in seeds]
        for name in names:
            rows = [runs[s][str(n)][name] for s in seeds]
            diff = {
                key: [r[key] - t[key] for r, t in zip(rows, today, strict=True)] for key in ("auc", "ap", "workload")
            }
            print(
                f"{n} | {name} | {_spread([r['auc'] for r in rows])} | {_spread([r['ap'] for r in rows])} "
                f"| {_spread([100 * r['workload'] for r in rows], 1)} % "
                f"| {_difference(diff['auc'])} | {_difference(diff['ap'])} "
                f"| {_difference([100 * d for d in diff['workload']], 1)} pt "
                f"| {np.mean([r['held_in_decisions'] for r in rows]):.0f} "
                f"| {np.mean([r['comments_covered'] for r in rows]):.0f} "
                f"| {_difference([r['auc'] - b for r, b in zip(rows, base, strict=True)])} "
                f"| {_card_gain([r['card_holdout_gain_auc'] for r in rows])}"
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--language", action="append", choices=["ar", "en"], help="default: en")
    parser.add_argument("--points", type=int, nargs="+", default=list(POINTS))
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--share", type=float, action="append", help="extra share of the decisions (repeatable)")
    parser.add_argument("--no-random", action="store_true", help="skip the random control")
    parser.add_argument("--public-cap", type=int, default=0, help="rows per public source (0: all)")
    parser.add_argument("--json", type=Path, help="write the whole report here too")
    parser.add_argument("--summary", type=Path, nargs="+", help="only print the tables of reports written by --json")
    args = parser.parse_args()
    if args.summary:
        for path in args.summary:
            for language, found in json.loads(path.read_text(encoding="utf-8")).items():
                runs = {int(seed): run for seed, run in found["runs"].items()}
                names = list(next(iter(runs.values()))[str(args.points[0])])
                summarise(language, runs, args.points, names)
        return 0
    shares = args.share or list(SHARES)
    selections = [Selection()] + [Selection("nearest", s) for s in shares]
    if not args.no_random:
        selections += [Selection("random", max(shares))]
    report: dict[str, Any] = {}
    for language in args.language or [ENGLISH]:
        public = public_fit(language, args.public_cap, 0)
        served = served_policy(language)
        print(json.dumps({"language": language, "policy": str(served)}), flush=True)
        runs = {seed: run_seed(language, public, args.points, selections, seed) for seed in args.seeds}
        report[language] = {"policy": str(served), "runs": runs}
    for language, found in report.items():
        summarise(language, found["runs"], args.points, [s.name for s in selections])
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
