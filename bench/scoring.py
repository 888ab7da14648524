"""Scoring speed of the shipped classifier: fast path vs plain scikit-learn, measured side by side in one run.

Run: .venv/bin/python bench/scoring.py [--model models/<version>] [--compare models/<other version>]
Prints model load time, then per language of the version (English and Arabic side by side): per-comment latency
(median, p99) for a 400-character comment, batch throughput, and the slow/fast ratios. The fast path and
predict_proba (on the normalised text) give the same numbers (tests/classifier/test_scorer.py, test_arabic.py).
Arabic comments mix in the disguises the normaliser undoes (tashkeel, tatweel, Arabic-Indic digits, repeats).
With --compare, the two versions score each comment alternately (CPU time), so a slow or busy machine slows both alike.
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
WORDS_AR = (
    "قرر المجلس أمس إغلاق المكتبة القديمة وغضب كثير من القراء لأن أحدا لم يسألهم أولا أظن أن المقال منصف لكن "
    "على المحافظ أن يشرح أين ذهبت الأموال أنتم أغبياء لا تسمعون أبدا اضغط هنا لتربح جوائز مجانية يا له من قرار "
    "غبي شكرا على التغطية الواضحة للجسر في الموصل وبغداد ٢٠٢٦ حَقِيرٌ غـــبي كذاااااب"
).split()


def comments(n: int, length: int, seed: int, words: list[str] = WORDS) -> list[str]:
    """n different comments of exactly `length` characters built from news-comment-like words."""
    rng = random.Random(seed)
    texts = []
    for _ in range(n):
        text = ""
        while len(text) < length:
            text += rng.choice(words) + rng.choice([" ", " ", " ", ", ", ". "])
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


def measure(scorer: Scorer, language: str, repeat: int, batch_size: int) -> None:
    """Print one language's latency and throughput rows, fast path beside plain predict_proba."""
    model = scorer.model(language)
    words = WORDS_AR if language == "ar" else WORDS
    singles = comments(200, 400, seed=1, words=words)
    batch = comments(batch_size, 400, seed=2, words=words)

    def score(text: str) -> object:
        return scorer.score(text, language)

    def reference(texts: list[str]) -> object:
        return model.reference_probabilities(texts)  # normalisation + predict_proba

    latencies(score, singles, 200)  # warm-up
    fast, fast_cpu = latencies(score, singles, repeat)
    slow, slow_cpu = latencies(lambda t: reference([t]), singles, max(repeat // 5, 100))
    rows = [
        ("single comment, median (ms)", statistics.median(fast) * 1e3, statistics.median(slow) * 1e3, True),
        ("  CPU time, median (ms)", statistics.median(fast_cpu) * 1e3, statistics.median(slow_cpu) * 1e3, True),
        ("single comment, p99 (ms)", p99(fast) * 1e3, p99(slow) * 1e3, True),
    ]
    fast_batch = throughput(lambda texts: scorer.score_many(texts, language), batch)
    scores_only = throughput(lambda texts: scorer.probabilities(texts, language), batch)
    slow_batch = throughput(reference, batch)
    rows += [
        (f"batch of {batch_size}, comments/s", fast_batch[0], slow_batch[0], False),
        ("  per CPU second", fast_batch[1], slow_batch[1], False),
        ("  scores only (no explanation)/s", scores_only[0], slow_batch[0], False),
        ("  scores only, per CPU second", scores_only[1], slow_batch[1], False),
    ]
    print(f"language {language}: {'':24}{'fast path':>12}{'sklearn':>12}{'ratio':>10}")
    for label, f, s, lower_is_better in rows:
        ratio = s / f if lower_is_better else f / s
        print(f"{label:36}{f:>12.3f}{s:>12.3f}{ratio:>9.1f}x")


def compare(folder: Path, other: Path, repeat: int) -> int:
    """Two versions scoring the same comments alternately in one process (the machine's noise hits both alike)."""
    first, second = Scorer.load(folder), Scorer.load(other)
    print(f"{first.model_version} against {second.model_version}: CPU ms per 400-character comment, with explanation")
    for language in sorted(set(first.languages) & set(second.languages)):
        texts = comments(200, 400, seed=1, words=WORDS_AR if language == "ar" else WORDS)
        times: tuple[list[float], list[float]] = ([], [])
        for _ in range(max(1, repeat // len(texts))):
            for text in texts:
                for scorer, spent in zip((first, second), times, strict=True):
                    start = time.process_time()
                    scorer.score(text, language)
                    spent.append(time.process_time() - start)
        a, b = (statistics.median(t) * 1e3 for t in times)
        print(
            f"language {language}: median {a:.3f} against {b:.3f} (ratio {b / a:.2f}); p99 {p99(times[0]) * 1e3:.3f} "
            f"against {p99(times[1]) * 1e3:.3f}"
        )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark classifier scoring speed.")
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=3000)
    parser.add_argument("--batch", type=int, default=3000)
    parser.add_argument(
        "--compare", type=Path, default=None, help="another version: both score each comment in turn, ratio printed"
    )
    args = parser.parse_args(argv)
    folder = args.model or latest_model()
    if args.compare is not None:
        return compare(folder, args.compare, args.repeat)

    loads, load_cpu = [], []
    for _ in range(3):
        start, start_cpu = time.perf_counter(), time.process_time()
        scorer = Scorer.load(folder)
        load_cpu.append(time.process_time() - start_cpu)
        loads.append(time.perf_counter() - start)
    print(f"model {folder} ({scorer.model_version}); languages {', '.join(scorer.languages)}; one comment = 400 chars")
    print(
        f"model load (Scorer.load, incl. hash + type checks): {min(loads):.3f} s best, {max(loads):.3f} s worst "
        f"of 3 (CPU {min(load_cpu):.3f} s)"
    )
    for language in scorer.languages:
        measure(scorer, language, args.repeat, args.batch)
    print("fast path = Scorer.score / score_many (with explanation) or Scorer.probabilities; sklearn = predict_proba")
    print("ratio = how many times better the fast path is; CPU rows exclude time waiting for a busy machine")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
