"""Scoring speed of the shipped classifier: fast path vs plain scikit-learn, measured side by side in one run.

Run: .venv/bin/python bench/scoring.py [--model models/<version>] [--compare models/<other version>] [--baseline REV]
Prints model load time, then per language of the version (English and Arabic side by side): per-comment latency
(median, p99) for a 400-character comment, its CPU median when none of its words was seen before (the per-word cache
emptied first; the other rows reuse the warm cache, as steady traffic mostly does), batch throughput, and the
slow/fast ratios. The fast path and predict_proba (on the normalised text) give the same numbers
(tests/classifier/test_scorer.py, test_arabic.py).
Arabic comments mix in the disguises the normaliser undoes (tashkeel, tatweel, Arabic-Indic digits, repeats).
With --compare, the two versions score each comment alternately (CPU time), so a slow or busy machine slows both alike.
With --stream DATASET, real comments of a labelled data set (shuffled) are scored one by one from an empty word cache:
CPU per comment as the cache warms, which is what a new process pays on a real stream.
With --baseline REV, the fast path as committed at git revision REV and the working tree's analyse each comment
alternately with the same model: what a change to service/classifier/fast.py did to the cost, side by side.
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import time
import types
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from service.classifier.artifact import VERSION_RE  # noqa: E402
from service.classifier.datasets import Row, load_rows  # noqa: E402
from service.classifier.normalise import word_normaliser  # noqa: E402
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

    def score_new_words(text: str) -> object:
        model.fast.forget_words()  # every word of the comment is new to the process
        return scorer.score(text, language)

    latencies(score, singles, 200)  # warm-up
    fast, fast_cpu = latencies(score, singles, repeat)
    _, cold_cpu = latencies(score_new_words, singles, max(repeat // 5, 100))
    latencies(score, singles, 200)  # warm again
    slow, slow_cpu = latencies(lambda t: reference([t]), singles, max(repeat // 5, 100))
    rows = [
        ("single comment, median (ms)", statistics.median(fast) * 1e3, statistics.median(slow) * 1e3, True),
        ("  CPU time, median (ms)", statistics.median(fast_cpu) * 1e3, statistics.median(slow_cpu) * 1e3, True),
        ("single comment, p99 (ms)", p99(fast) * 1e3, p99(slow) * 1e3, True),
        (
            "  every word new, CPU median (ms)",
            statistics.median(cold_cpu) * 1e3,
            statistics.median(slow_cpu) * 1e3,
            True,
        ),
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


def alternately(scorers: Sequence[Callable[[str], object]], texts: list[str], rounds: int) -> list[list[float]]:
    """CPU seconds per call of each scorer, the scorers taking turns on every text (a busy machine slows all alike)."""
    times: list[list[float]] = [[] for _ in scorers]
    for _ in range(rounds):
        for text in texts:
            for score, spent in zip(scorers, times, strict=True):
                start = time.process_time()
                score(text)
                spent.append(time.process_time() - start)
    return times


def compare(folder: Path, other: Path, repeat: int) -> int:
    """Two versions scoring the same comments alternately in one process (the machine's noise hits both alike)."""
    first, second = Scorer.load(folder), Scorer.load(other)
    print(f"{first.model_version} against {second.model_version}: CPU ms per 400-character comment, with explanation")
    for language in sorted(set(first.languages) & set(second.languages)):
        texts = comments(200, 400, seed=1, words=WORDS_AR if language == "ar" else WORDS)
        scorers = [partial(scorer.score, language=language) for scorer in (first, second)]
        times = alternately(scorers, texts, max(1, repeat // len(texts)))
        a, b = (statistics.median(t) * 1e3 for t in times)
        print(
            f"language {language}: median {a:.3f} against {b:.3f} (ratio {b / a:.2f}); p99 {p99(times[0]) * 1e3:.3f} "
            f"against {p99(times[1]) * 1e3:.3f}"
        )
    return 0


def stream_rows(path: Path, languages: Sequence[str], limit: int) -> list[Row]:
    """A labelled data set's comments in the given languages, shuffled (seed 0), at most ``limit``."""
    rows = [row for row in load_rows([path]) if row.language in languages and row.text.strip()]
    random.Random(0).shuffle(rows)
    return rows[:limit]


def stream(folder: Path, path: Path, limit: int, segments: int = 5) -> int:
    """Real comments of a labelled data set, scored one by one from an empty word cache: CPU per comment as the cache
    warms, segment by segment (what a new process pays on a real stream, not on the bench's words)."""
    scorer = Scorer.load(folder)
    rows = stream_rows(path, scorer.languages, limit)
    spent = []
    for row in rows:
        start = time.process_time()
        scorer.score(row.text, row.language)
        spent.append(time.process_time() - start)
    chars = statistics.mean(len(row.text) for row in rows)
    print(f"{path.name}: {len(rows)} comments of {chars:.0f} characters on average, {scorer.model_version}, CPU ms")
    size = max(1, len(rows) // segments)
    for first in range(0, size * segments, size):
        part = spent[first : first + size]
        if part:
            print(
                f"comments {first + 1}-{first + len(part)}: median {statistics.median(part) * 1e3:.3f}, "
                f"mean {statistics.mean(part) * 1e3:.3f}, p99 {p99(part) * 1e3:.3f}"
            )
    return 0


def baseline_module(revision: str) -> types.ModuleType:
    """service/classifier/fast.py as committed at a git revision, loaded as a module of its own."""
    path = "service/classifier/fast.py"
    source = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{revision}:{path}"], capture_output=True, text=True, check=True
    ).stdout
    module = types.ModuleType("fast_baseline")
    sys.modules[module.__name__] = module  # dataclasses look their module up by name
    exec(compile(source, f"{revision}:{path}", "exec"), module.__dict__)  # noqa: S102 - our own history
    return module


def compare_code(folder: Path, revision: str, repeat: int, real: Path | None, limit: int) -> int:
    """The fast path at ``revision`` and the working tree's analyse the same comments alternately (CPU time): the
    bench's comments with both word caches warm, or (``real``) a data set's comments once each from empty caches."""
    scorer = Scorer.load(folder)
    baseline = baseline_module(revision)
    what = f"{real.name}, once each from empty word caches" if real else "400-character comments, warm word caches"
    print(f"fast path at {revision} against the working tree, model {scorer.model_version}, {what}: CPU ms")
    for language in scorer.languages:
        model = scorer.model(language)
        current = model.fast
        old = baseline.FastModel(model.pipeline, word_normaliser(model.normalisation))
        if real is not None:
            texts, rounds = [row.text for row in stream_rows(real, [language], limit)], 1
            if not texts:
                continue
        else:
            texts = comments(200, 400, seed=1, words=WORDS_AR if language == "ar" else WORDS)
            rounds = max(1, repeat // len(texts))
            alternately([old.analyse, current.analyse], texts, 1)  # warm both word caches
        times = alternately([old.analyse, current.analyse], texts, rounds)
        for text in texts[:500]:
            if abs(old.analyse(text).probabilities - current.analyse(text).probabilities).max() > 1e-9:
                raise SystemExit(f"{language}: the two fast paths disagree on {text[:40]!r}")
        a, b = (statistics.median(t) * 1e3 for t in times)
        print(f"language {language}: median {a:.3f} at {revision} against {b:.3f} now: {a / b:.2f}x as fast")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark classifier scoring speed.")
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=3000)
    parser.add_argument("--batch", type=int, default=3000)
    parser.add_argument(
        "--compare", type=Path, default=None, help="another version: both score each comment in turn, ratio printed"
    )
    parser.add_argument("--baseline", default=None, help="a git revision: its fast path against the working tree's")
    parser.add_argument("--stream", type=Path, default=None, help="a labelled data set: its comments in turn, cold")
    parser.add_argument("--stream-limit", type=int, default=20_000)
    args = parser.parse_args(argv)
    folder = args.model or latest_model()
    if args.baseline is not None:
        return compare_code(folder, args.baseline, args.repeat, args.stream, args.stream_limit)
    if args.stream is not None:
        return stream(folder, args.stream, args.stream_limit)
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
