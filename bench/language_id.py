"""Language identification on short comments: candidate libraries and Moderato's rule, measured side by side.

Run: .venv/bin/python bench/language_id.py [--per-band 150] [--data ../shared/data] [--only moderato,py3langid]
Optional candidates are skipped when not installed: pip install lingua-language-detector pycld2 cld3-py whatlang-pyo3
langdetect. English rows come from the six English sets, Arabic rows from the six Arabic sets (ARABIC.md), sampled
per source and length band (<=20, 21-60, 61-200, >200 characters); the other languages and Arabizi are the
hand-written comments in tests/data/language_samples.tsv. "acc" is the share identified as the expected language;
"unsup" is the share a detector-only rule would send to a person (best guess neither en nor ar; for Moderato's rule:
``covered`` false). Timing: median microseconds per comment by length band, every candidate called on the same
text in turn.
"""

from __future__ import annotations

import argparse
import csv
import random
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from service.classifier.datasets import load_rows  # noqa: E402
from service.language import identify, load_detector  # noqa: E402

BANDS = ((0, 20, "<=20"), (21, 60, "21-60"), (61, 200, "61-200"), (201, 10**9, ">200"))
ENGLISH = {
    "jigsaw": "jigsaw-wikipedia-talk",
    "cad": "cad-contextual-abuse",
    "davidson": "davidson-hate-offensive",
    "gab": "gab-hate-corpus",
    "youtube": "youtube-spam-collection",
    "sms": "sms-spam-collection",
}
SUPPORTED = frozenset({"en", "ar"})
# Codes some libraries return for a language (or a dialect of it) under another name.
FOLD = {
    "arz": "ar", "ary": "ar", "sdh": "ku", "ckb": "ku", "kmr": "ku", "zh-cn": "zh", "zh-tw": "zh", "zh-Latn": "zh",
    "eng": "en", "arb": "ar", "pes": "fa", "urd": "ur", "cmn": "zh", "fra": "fr", "tur": "tr", "kur": "ku",
    "ara": "ar", "pbu": "ps",
}  # fmt: skip


def band_of(text: str) -> str:
    n = len(text)
    return next(name for low, high, name in BANDS if low <= n <= high)


def _tsv(path: Path, column: int, skip_header: bool) -> list[str]:
    csv.field_size_limit(2**31 - 1)
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [r[column] for r in rows[1 if skip_header else 0 :] if len(r) > column]


def _csv(path: Path, column: str) -> list[str]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return [rec[column] for rec in csv.DictReader(handle)]


def arabic_texts(data: Path) -> dict[str, list[str]]:
    """The six Arabic sets' comment texts; tweet placeholders turned back into what a comment form would receive."""
    aj = data / "aljazeera-deleted-comments-ar"
    sets = {
        "aljazeera": [t for f in ("AJ-train.tsv", "AJ-dev.tsv", "AJ-test.tsv") for t in _tsv(aj / f, 1, True)],
        "osact2020": [
            t
            for f in ("OSACT2020-sharedTask-train.txt", "OSACT2020-sharedTask-dev.txt")
            for t in _tsv(data / "osact2020-offensive-ar" / f, 0, False)
        ],
        "osact2022": [
            t
            for f in ("OSACT2022-sharedTask-train.txt", "OSACT2022-sharedTask-dev.txt")
            for t in _tsv(data / "osact2022-fine-grained-ar" / f, 1, False)
        ],
        "l-hsab": _tsv(data / "l-hsab-levantine-ar" / "L-HSAB.tsv", 0, True),
        "mlma": _csv(data / "mlma-hate-ar" / "ar_dataset.csv", "tweet"),
        "spam-ham": _csv(data / "spam-ham-tweets-ar" / "spam_ham_tweets.csv", "text"),
    }
    return {
        name: [
            t.replace("<LF>", "\n").replace("@USER", "@user").replace("URL", "https://t.co/x").strip() for t in texts
        ]
        for name, texts in sets.items()
    }


def english_texts(data: Path) -> dict[str, list[str]]:
    return {name: [r.text for r in load_rows([data / folder])] for name, folder in ENGLISH.items()}


def sample(sources: dict[str, list[str]], per_band: int, rng: random.Random) -> list[tuple[str, str]]:
    """Up to per_band distinct texts per source and length band, as (band, text)."""
    out = []
    for name in sorted(sources):
        by_band: dict[str, list[str]] = defaultdict(list)
        for text in dict.fromkeys(t for t in sources[name] if t):
            by_band[band_of(text)].append(text)
        for band in sorted(by_band):
            texts = by_band[band]
            out.extend((band, t) for t in rng.sample(texts, min(per_band, len(texts))))
    return out


def hand_samples() -> list[tuple[str, str]]:
    rows = []
    with (ROOT / "tests" / "data" / "language_samples.tsv").open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip() and not line.startswith("#"):
                expected, text = line.rstrip("\n").split("\t", 1)
                rows.append((expected, text))
    return rows


Detector = Callable[[str], tuple[str, bool]]  # text -> (code, would go to a person)


def candidates() -> dict[str, Detector]:  # noqa: C901 - one optional import per candidate library
    """Every installed candidate as text -> (ISO 639-1 code, unsupported under a detector-only rule)."""
    found: dict[str, Detector] = {}

    def plain(code: str) -> tuple[str, bool]:
        code = FOLD.get(code, code)
        return code, code not in SUPPORTED

    def moderato(text: str) -> tuple[str, bool]:
        result = identify(text, SUPPORTED)
        return result.language, not result.covered

    load_detector()
    found["moderato rule (py3langid)"] = moderato

    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    py3 = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    found[f"py3langid {version('py3langid')} all"] = lambda t: plain(py3.classify(t)[0])
    try:
        from lingua import Language, LanguageDetectorBuilder

        langs = [
            Language.ENGLISH, Language.ARABIC, Language.PERSIAN, Language.URDU, Language.FRENCH, Language.TURKISH,
            Language.CHINESE, Language.GERMAN, Language.SPANISH, Language.RUSSIAN, Language.HEBREW, Language.ITALIAN,
        ]  # fmt: skip
        lingua = LanguageDetectorBuilder.from_languages(*langs).with_preloaded_language_models().build()

        def lingua_detect(text: str) -> tuple[str, bool]:
            lang = lingua.detect_language_of(text)
            return plain(lang.iso_code_639_1.name.lower() if lang else "und")

        found[f"lingua {version('lingua-language-detector')} 12 langs"] = lingua_detect
    except ImportError:
        pass
    try:
        import pycld2

        def cld2(text: str) -> tuple[str, bool]:
            try:
                _, _, details = pycld2.detect(text)
            except pycld2.error:
                return plain("und")
            return plain(details[0][1] if details[0][1] != "un" else "und")

        found[f"pycld2 {version('pycld2')}"] = cld2
    except ImportError:
        pass
    try:
        import gcld3

        cld3_model = gcld3.NNetLanguageIdentifier(0, 1000)
        found[f"cld3-py {version('cld3-py')}"] = lambda t: plain(cld3_model.FindLanguage(t).language)
    except ImportError:
        pass
    try:
        import whatlang

        def whatlang_detect(text: str) -> tuple[str, bool]:
            try:
                return plain(whatlang.detect(text).lang)
            except ValueError:
                return plain("und")

        found[f"whatlang-pyo3 {version('whatlang-pyo3')}"] = whatlang_detect
    except ImportError:
        pass
    try:
        import langdetect
        from langdetect import DetectorFactory

        DetectorFactory.seed = 0

        def langdetect_detect(text: str) -> tuple[str, bool]:
            try:
                return plain(langdetect.detect(text))
            except langdetect.LangDetectException:
                return plain("und")

        found[f"langdetect {version('langdetect')}"] = langdetect_detect
    except ImportError:
        pass
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-band", type=int, default=150, help="texts per source and length band")
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument(
        "--only", default="", help="comma-separated name prefixes, e.g. 'moderato,py3langid' (others evict caches)"
    )
    args = parser.parse_args()
    rng = random.Random(14)
    rows: list[tuple[str, str, str]] = []  # (group, expected, text)
    rows += [(f"en {band}", "en", t) for band, t in sample(english_texts(args.data), args.per_band, rng)]
    rows += [(f"ar {band}", "ar", t) for band, t in sample(arabic_texts(args.data), args.per_band, rng)]
    rows += [(expected, expected, t) for expected, t in hand_samples()]
    found = candidates()
    prefixes = [p.strip() for p in args.only.split(",") if p.strip()]
    names = [n for n in found if not prefixes or any(n.startswith(p) for p in prefixes)]
    hits: dict[str, dict[str, list[int]]] = {n: defaultdict(lambda: [0, 0, 0]) for n in names}
    micros: dict[str, dict[str, list[float]]] = {n: defaultdict(list) for n in names}
    for index, (group, expected, text) in enumerate(rows):
        # Rotate the calling order so that no candidate always runs first on cold caches.
        for name in names[index % len(names) :] + names[: index % len(names)]:
            start = time.perf_counter()
            code, unsupported = found[name](text)
            micros[name][group.split(" ")[-1] if group[:3] in ("en ", "ar ") else "hand"].append(
                (time.perf_counter() - start) * 1e6
            )
            cell = hits[name][group]
            want = "ar" if expected == "ar-Latn" and name.startswith("moderato") else expected
            cell[0] += code == want
            cell[1] += unsupported
            cell[2] += 1
    groups = list(dict.fromkeys(g for g, _, _ in rows))
    counts = {g: sum(1 for r in rows if r[0] == g) for g in groups}
    print(f"{len(rows)} comments; cells are acc% / unsup% (see the docstring); Arabizi acc = not identified as en")
    width = max(len(n) for n in names)
    print(f"{'group':<10}{'n':>5}  " + "  ".join(f"{n[:width]:>{max(len(n), 13)}}" for n in names))
    for group in groups:
        cells = []
        for name in names:
            acc, unsup, n = hits[name][group]
            if group == "ar-Latn":
                acc = n - sum(1 for g, _, t in rows if g == group and found[name](t)[0] == "en")
            cells.append(f"{100 * acc / n:5.1f} / {100 * unsup / n:5.1f}".rjust(max(len(name), 13)))
        print(f"{group:<10}{counts[group]:>5}  " + "  ".join(cells))
    print("median µs per comment, every candidate called on the same text in turn (rotating order)")
    for band in [name for _, _, name in BANDS] + ["hand", "all"]:
        cells = []
        for n in names:
            values = [v for vs in micros[n].values() for v in vs] if band == "all" else micros[n][band]
            cells.append(f"{statistics.median(values):>{max(len(n), 13)}.1f}")
        print(f"{'µs ' + band:<15}  " + "  ".join(cells))


if __name__ == "__main__":
    main()
