"""Speed of term matching (rules.matching_form, rules.matched_terms) on real English and Arabic comments.

Run: .venv/bin/python bench/rules_matching.py [--data ../shared/data] [--comments 2000]
Prints the median and p99 time per comment of matching_form and of matched_terms with term lists of 2, 50 and
2000 terms, for English (Jigsaw Wikipedia talk) and Arabic (Aljazeera test set) comments, and the time of the first
call with a new list (the term index is built once per list and process, then cached), and what the rules do
per comment: two lists of 50 terms and the repeat fingerprint.
"""

from __future__ import annotations

import argparse
import csv
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from service.rules import fingerprint, matched_terms, matching_form  # noqa: E402

ENGLISH_TERMS = ["kill", "idiot"]
ARABIC_TERMS = ["كلب", "غبي"]
LETTERS = {"en": "abcdefghijklmnopqrstuvwxyz", "ar": "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"}


def english(data: Path, n: int) -> list[str]:
    """The first n Jigsaw comments of at most 1500 characters."""
    with (data / "jigsaw-wikipedia-talk" / "jigsaw_wikipedia_talk.csv").open(newline="", encoding="utf-8") as f:
        bodies = [row["comment_text"] for row in csv.DictReader(f) if len(row["comment_text"]) <= 1500]
    return bodies[:n]


def arabic(data: Path, n: int) -> list[str]:
    """The first n Aljazeera test comments."""
    lines = (data / "aljazeera-deleted-comments-ar" / "AJ-test.tsv").read_text(encoding="utf-8").splitlines()[1:]
    return [line.split("\t")[1] for line in lines if line.count("\t") >= 2][:n]


def term_list(language: str, size: int, seed: int) -> list[str]:
    """`size` terms: the two real ones and made-up words of 4 to 8 letters."""
    rng = random.Random(seed)
    real = ENGLISH_TERMS if language == "en" else ARABIC_TERMS
    made_up = ["".join(rng.choices(LETTERS[language], k=rng.randint(4, 8))) for _ in range(size - len(real))]
    return real + made_up


def per_comment(function: Callable[[str], object], texts: list[str]) -> tuple[float, float]:
    """Median and p99 in milliseconds of one call per text (after one warm-up pass)."""
    for text in texts:
        function(text)
    times = []
    for text in texts:
        start = time.perf_counter()
        function(text)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.99)]


def main() -> None:
    """Print the timings table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--comments", type=int, default=2000)
    args = parser.parse_args()
    print(f"{'language':8} {'what':28} {'median ms':>10} {'p99 ms':>8} {'first call ms':>14}")
    for language, texts in (("en", english(args.data, args.comments)), ("ar", arabic(args.data, args.comments))):
        median, p99 = per_comment(matching_form, texts)
        print(f"{language:8} {'matching_form':28} {median:10.4f} {p99:8.4f}")
        for size in (2, 50, 2000):
            terms = term_list(language, size, seed=size)
            start = time.perf_counter()
            matched_terms("", terms)
            first = (time.perf_counter() - start) * 1000
            median, p99 = per_comment(lambda text, terms=terms: matched_terms(text, terms), texts)
            print(f"{language:8} {f'matched_terms ({size} terms)':28} {median:10.4f} {p99:8.4f} {first:14.1f}")
        banned, suspect = term_list(language, 50, seed=1), term_list(language, 50, seed=2)

        def every_rule(text: str, banned: list[str] = banned, suspect: list[str] = suspect) -> None:
            matched_terms(text, banned)
            matched_terms(text, suspect)
            fingerprint(text)

        median, p99 = per_comment(every_rule, texts)
        print(f"{language:8} {'banned+suspect+fingerprint':28} {median:10.4f} {p99:8.4f}")


if __name__ == "__main__":
    main()
