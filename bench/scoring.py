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


def latencies(fn: Callable[[str], object], texts: list[str], repeat: int) -> list[float]:
    """Seconds per call, one call per text, cycling through texts."""
    out = []
    for i in range(repeat):
        text = texts[i % len(texts)]
        start = time.perf_counter()
        fn(text)
        out.append(time.perf_counter() - start)
    return out


def p99(values: list[float]) -> float:
    return sorted(values)[int(0.99 * (len(values) - 1))]


def throughput(fn: Callable[[list[str]], object], texts: list[str]) -> float:
    start = time.perf_counter()
    fn(texts)
    return len(texts) / (time.perf_counter() - start)


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

    loads = []
    for _ in range(3):
        start = time.perf_counter()
        scorer = Scorer.load(folder)
        loads.append(time.perf_counter() - start)
    pipeline = scorer.pipeline
    singles = comments(200, 400, seed=1)
    batch = comments(args.batch, 400, seed=2)

    latencies(scorer.score, singles, 200)  # warm-up
    fast = latencies(scorer.score, singles, args.repeat)
    slow = latencies(lambda t: pipeline.predict_proba([t]), singles, max(args.repeat // 5, 100))
    fast_batch = throughput(scorer.score_many, batch)
    fast_batch_noexpl = throughput(scorer.probabilities, batch)
    slow_batch = throughput(pipeline.predict_proba, batch)

    ms = 1000.0
    print(f"model {folder} ({scorer.model_version}); one comment = 400 characters")
    print(f"model load (Scorer.load, incl. hash + type checks): {min(loads):.3f} s best, {max(loads):.3f} s worst of 3")
    print(f"{'':34}{'fast path':>14}{'sklearn':>14}{'sklearn/fast':>14}")
    med_f, med_s = statistics.median(fast), statistics.median(slow)
    print(f"{'single comment, median (ms)':34}{med_f * ms:>14.3f}{med_s * ms:>14.3f}{med_s / med_f:>13.1f}x")
    print(
        f"{'single comment, p99 (ms)':34}{p99(fast) * ms:>14.3f}{p99(slow) * ms:>14.3f}{p99(slow) / p99(fast):>13.1f}x"
    )
    label = f"batch of {args.batch}, comments/s"
    print(f"{label:34}{fast_batch:>14.0f}{slow_batch:>14.0f}{fast_batch / slow_batch:>13.2f}x")
    label = "  same, scores only (no explanation)"
    print(f"{label:34}{fast_batch_noexpl:>14.0f}{slow_batch:>14.0f}{fast_batch_noexpl / slow_batch:>13.2f}x")
    print("fast path = Scorer.score / score_many (includes the explanation); sklearn = pipeline.predict_proba")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
