"""Scoring speed of the shipped classifier: fast path vs plain scikit-learn, measured side by side in one run.

Run: .venv/bin/python bench/scoring.py [--model models/<version>]
Prints model load time, per-comment latency (median, p99) for a 400-character comment, batch throughput, and the
slow/fast ratios. The fast path and predict_proba give the same numbers (tests/classifier/test_scorer.py).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from service.classifier.artifact import VERSION_RE  # noqa: E402
from service.classifier.scorer import Scorer  # noqa: E402

WORDS = (
    "the council decided yesterday to close the old library and many readers are angry about it because nobody "
    "asked them first I think this article is fair but the mayor should explain where the money went you idiots "
    "never listen click here for free prizes what a stupid decision thanks for the clear reporting on the bridge"
).split()


def comments(n: int, length: int, seed: int) -> list[str]:
    """n different comments of exactly `length` characters built from news-comment-like words."""
    rng = random.Random(seed)
    texts = []
    for _ in range(n):
        text = ""
        while len(text) < length:
            text += rng.choice(WORDS) + rng.choice([" ", " ", " ", ", ", ". "])
        texts.append(text[:length])
    return texts


def latencies(fn: Callable[[str], object], texts: list[str], repeat: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU seconds per call, one call per text, cycling through texts."""
    wall, cpu = [], []
    for i in range(repeat):
        text = texts[i % len(texts)]
        start, start_cpu = time.perf_counter(), time.process_time()
        fn(text)
        cpu.append(time.process_time() - start_cpu)
        wall.append(time.perf_counter() - start)
    return wall, cpu


def p99(values: list[float]) -> float:
    return sorted(values)[int(0.99 * (len(values) - 1))]


def throughput(fn: Callable[[list[str]], object], texts: list[str]) -> tuple[float, float]:
    """Comments per wall-clock second and per CPU second."""
    start, start_cpu = time.perf_counter(), time.process_time()
    fn(texts)
    return len(texts) / (time.perf_counter() - start), len(texts) / (time.process_time() - start_cpu)


def latest_model() -> Path:
    versions = sorted(p for p in (ROOT / "models").iterdir() if p.is_dir() and VERSION_RE.match(p.name))
    if not versions:
        raise SystemExit("no model version under models/; pass --model")
    return versions[-1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark classifier scoring speed.")
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=3000)
    parser.add_argument("--batch", type=int, default=3000)
    args = parser.parse_args(argv)
    folder = args.model or latest_model()

    loads, load_cpu = [], []
    for _ in range(3):
        start, start_cpu = time.perf_counter(), time.process_time()
        scorer = Scorer.load(folder)
        load_cpu.append(time.process_time() - start_cpu)
        loads.append(time.perf_counter() - start)
    pipeline = scorer.pipeline
    singles = comments(200, 400, seed=1)
    batch = comments(args.batch, 400, seed=2)

    latencies(scorer.score, singles, 200)  # warm-up
    fast, fast_cpu = latencies(scorer.score, singles, args.repeat)
    slow, slow_cpu = latencies(lambda t: pipeline.predict_proba([t]), singles, max(args.repeat // 5, 100))
    rows = [
        ("single comment, median (ms)", statistics.median(fast) * 1e3, statistics.median(slow) * 1e3, True),
        ("  CPU time, median (ms)", statistics.median(fast_cpu) * 1e3, statistics.median(slow_cpu) * 1e3, True),
        ("single comment, p99 (ms)", p99(fast) * 1e3, p99(slow) * 1e3, True),
    ]
    fast_batch = throughput(scorer.score_many, batch)
    scores_only = throughput(scorer.probabilities, batch)
    slow_batch = throughput(pipeline.predict_proba, batch)
    rows += [
        (f"batch of {args.batch}, comments/s", fast_batch[0], slow_batch[0], False),
        ("  per CPU second", fast_batch[1], slow_batch[1], False),
        ("  scores only (no explanation)/s", scores_only[0], slow_batch[0], False),
        ("  scores only, per CPU second", scores_only[1], slow_batch[1], False),
    ]

    print(f"model {folder} ({scorer.model_version}); one comment = 400 characters")
    print(
        f"model load (Scorer.load, incl. hash + type checks): {min(loads):.3f} s best, {max(loads):.3f} s worst "
        f"of 3 (CPU {min(load_cpu):.3f} s)"
    )
    print(f"{'':36}{'fast path':>12}{'sklearn':>12}{'ratio':>10}")
    for label, f, s, lower_is_better in rows:
        ratio = s / f if lower_is_better else f / s
        print(f"{label:36}{f:>12.3f}{s:>12.3f}{ratio:>9.1f}x")
    print("fast path = Scorer.score / score_many (with explanation) or Scorer.probabilities; sklearn = predict_proba")
    print("ratio = how many times better the fast path is; CPU rows exclude time waiting for a busy machine")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
