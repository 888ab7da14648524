"""Labelled-comment loaders: one adapter per shared public dataset (English and Arabic) plus the generic CSV."""

from __future__ import annotations

import csv
import html
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from service.classifier.normalise import Normalisation, dedupe_key

ABUSE = "abuse"
SPAM = "spam"
CATEGORIES: tuple[str, ...] = (ABUSE, SPAM)
ENGLISH = "en"
ARABIC = "ar"
LANGUAGES: tuple[str, ...] = (ENGLISH, ARABIC)
DATA_SUFFIXES = (".csv", ".tsv", ".txt")

# The single documented label -> "needs moderation" / category mapping (also copied into every model card).
LABEL_MAPPING: dict[str, dict[str, str]] = {
    "cad": {
        "recognised_by": "columns id,text,labels",
        "positive": "labels contains 'Abuse' (Identity/Affiliation/PersonDirectedAbuse)",
        "negative": "Neutral, CounterSpeech",
        "category": ABUSE,
        "text": "[linebreak] markers replaced by newlines",
    },
    "davidson": {
        "recognised_by": "columns count,hate_speech,offensive_language,neither,class,tweet",
        "positive": "class 0 (hate speech) or 1 (offensive language)",
        "negative": "class 2 (neither)",
        "category": ABUSE,
        "text": "HTML entities unescaped",
    },
    "gab": {
        "recognised_by": "columns text_id,Text,hd,cv,vo",
        "positive": "hd (assault on human dignity) or cv (call for violence) or vo (vulgarity)",
        "negative": "none of hd/cv/vo",
        "category": ABUSE,
        "text": "unchanged",
    },
    "jigsaw": {
        "recognised_by": "columns id,comment_text,toxic,severe_toxic,obscene,threat,insult,identity_hate",
        "positive": "any of toxic, severe_toxic, obscene, threat, insult, identity_hate",
        "negative": "none of the six",
        "category": ABUSE,
        "text": "unchanged",
    },
    "sms": {
        "recognised_by": "exactly the columns label,text with every label spam or ham",
        "positive": "spam",
        "negative": "ham",
        "category": SPAM,
        "text": "unchanged",
    },
    "youtube": {
        "recognised_by": "columns COMMENT_ID,AUTHOR,DATE,CONTENT,CLASS",
        "positive": "CLASS 1 (spam)",
        "negative": "CLASS 0 (ham)",
        "category": SPAM,
        "text": "HTML entities unescaped, <br /> to newline, tags and byte-order marks removed",
    },
    "aljazeera": {
        "recognised_by": "tab-separated, header [index,]text,level",
        "positive": "level -1 (offensive) or -2 (obscene)",
        "negative": "level 0 (clean)",
        "category": ABUSE,
        "text": "unchanged",
        "language": ARABIC,
    },
    "osact2020": {
        "recognised_by": "tab-separated, no header, 3 columns: text, OFF/NOT_OFF, HS/NOT_HS",
        "positive": "OFF",
        "negative": "NOT_OFF",
        "category": ABUSE,
        "text": "<LF> to newline; @USER, URL and a leading RT placeholder removed",
        "language": ARABIC,
    },
    "osact2022": {
        "recognised_by": "tab-separated, no header, 6 columns: id, text, OFF/NOT_OFF, HS1-6/NOT_HS, VLG, VIO",
        "positive": "OFF",
        "negative": "NOT_OFF",
        "category": ABUSE,
        "text": "<LF> to newline; @USER, URL and a leading RT placeholder removed",
        "language": ARABIC,
    },
    "l-hsab": {
        "recognised_by": "tab-separated, header Tweet,Class",
        "positive": "abusive or hate",
        "negative": "normal",
        "category": ABUSE,
        "text": "unchanged (the three rows broken by an unbalanced quote are skipped)",
        "language": ARABIC,
    },
    "mlma": {
        "recognised_by": "columns HITId,tweet,sentiment",
        "positive": "sentiment other than 'normal' (the authors' binary rule)",
        "negative": "sentiment 'normal'",
        "category": ABUSE,
        "text": "@user, @url placeholders removed",
        "language": ARABIC,
    },
    "arabic-spam": {
        "recognised_by": "exactly the columns text,label with values Spam/Ham and mostly Arabic text",
        "positive": "Spam",
        "negative": "none: the Ham rows (mostly news headlines) are dropped, so 'headline' cannot read as 'fine'",
        "category": SPAM,
        "text": "unchanged",
        "language": ARABIC,
    },
    "written": {
        "recognised_by": "columns text,label,language,threat,hate (comments written by the Moderato team)",
        "positive": "label 1 (every threat or hate row is 1)",
        "negative": "label 0 (mostly comments that talk about violence, sects and militias without threatening)",
        "category": ABUSE,
        "text": "unchanged",
        "language": "the language column (en or ar)",
    },
    "generic": {
        "recognised_by": "columns text,label[,category][,language]; source name = file stem unless given",
        "positive": "label 1",
        "negative": "label 0",
        "category": "the category column (abuse or spam); 'abuse' when missing or empty",
        "text": "unchanged",
        "language": "the language column (en or ar); 'en' when missing or empty",
    },
}

# Licence status of every recognised public source (from ../shared/data/*/PROVENANCE.md and ARABIC.md), copied into
# the model card next to each source a model was trained on.
SOURCE_LICENCES: dict[str, str] = {
    "cad": "CC BY 4.0 (Zenodo record, stated from memory, unverified offline); Reddit terms also apply",
    "davidson": "MIT (repository LICENSE); Twitter/X terms also apply to tweet text",
    "gab": "CC BY 4.0 (OSF page, stated from memory, unverified offline); repository code MIT",
    "jigsaw": "CC0 (dataset); comment text CC BY-SA 3.0 (Wikipedia)",
    "sms": "CC BY 4.0 (UCI Machine Learning Repository)",
    "youtube": "CC BY 4.0 (UCI Machine Learning Repository)",
    "aljazeera": "none stated (sabithassan/violence-detection-models; Mubarak et al. ALW 2017)",
    "osact2020": "none in the repository (organisers publish it as CC BY 4.0, second-hand)",
    "osact2022": "none stated",
    "l-hsab": "none stated",
    "mlma": "MIT (LICENSE copied with the data)",
    "arabic-spam": "GPL-3.0 (the source repository's licence)",
    "written": "written by the Moderato team for this project (models/written/README.md); the project's licence",
}


class DatasetError(ValueError):
    """A CSV file that no adapter recognises or whose rows are malformed."""


@dataclass(frozen=True, slots=True)
class Row:
    """One labelled comment: label 1 = needs moderation, category set only for positives.

    ``labels`` keeps a source's fine-grained annotations (e.g. obscene, hate, vulgar, violence) for later use.
    """

    text: str
    label: int
    category: str | None
    source: str
    language: str = ENGLISH
    labels: tuple[str, ...] = ()


_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]{1,200}>")


def _clean_html(text: str) -> str:
    """Turn a web-scraped snippet into the plain text a comment form would receive."""
    text = _BR.sub("\n", text)
    text = _TAG.sub(" ", text)
    return html.unescape(text).replace("\ufeff", "").strip()


def _flag(value: str) -> bool:
    """Parse a 0/1 annotation cell."""
    return value.strip() not in ("", "0", "0.0")


def _row(
    text: str, positive: bool, category: str, source: str, language: str = ENGLISH, labels: tuple[str, ...] = ()
) -> Row:
    return Row(
        text=text,
        label=int(positive),
        category=category if positive else None,
        source=source,
        language=language,
        labels=labels,
    )


_TWEET_PLACEHOLDER = re.compile(r"^RT\b:?|(?<!\w)@(?:USER|user|url|URL)\b:?|(?<![\w@])URL\b")


def _clean_tweet(text: str) -> str:
    """Drop the anonymisation placeholders of the tweet sets (@USER, URL, RT); <LF> is a line break."""
    return _TWEET_PLACEHOLDER.sub("", text.replace("<LF>", "\n")).strip()


def _cad(rec: dict[str, str], source: str) -> Row | None:
    text = rec["text"].replace("[linebreak]", "\n").strip()
    labels = tuple(x.strip() for x in rec["labels"].split(",") if x.strip())
    return _row(text, "Abuse" in rec["labels"], ABUSE, source, labels=labels)


_DAVIDSON_CLASSES = {"0": ("hate",), "1": ("offensive",)}


def _davidson(rec: dict[str, str], source: str) -> Row | None:
    labels = _DAVIDSON_CLASSES.get(rec["class"].strip(), ())
    return _row(html.unescape(rec["tweet"]).strip(), rec["class"].strip() != "2", ABUSE, source, labels=labels)


def _gab(rec: dict[str, str], source: str) -> Row | None:
    labels = tuple(c for c in ("hd", "cv", "vo") if _flag(rec[c]))
    return _row(rec["Text"].strip(), bool(labels), ABUSE, source, labels=labels)


_JIGSAW_LABELS = ("toxic", "severe_toxic", "obscene", "threat", "insult", "identity_hate")


def _jigsaw(rec: dict[str, str], source: str) -> Row | None:
    labels = tuple(c for c in _JIGSAW_LABELS if _flag(rec[c]))
    return _row(rec["comment_text"].strip(), bool(labels), ABUSE, source, labels=labels)


def _sms(rec: dict[str, str], source: str) -> Row | None:
    label = rec["label"].strip().lower()
    if label not in ("spam", "ham"):
        raise DatasetError(f"sms label must be spam or ham, got {label!r}")
    return _row(rec["text"].strip(), label == "spam", SPAM, source)


def _youtube(rec: dict[str, str], source: str) -> Row | None:
    return _row(_clean_html(rec["CONTENT"]), rec["CLASS"].strip() == "1", SPAM, source)


def _generic(rec: dict[str, str], source: str) -> Row | None:
    label = rec["label"].strip()
    if label not in ("0", "1"):
        raise DatasetError(f"label must be 0 or 1, got {label!r}")
    category = (rec.get("category") or "").strip().lower() or ABUSE
    if category not in CATEGORIES:
        raise DatasetError(f"category must be one of {CATEGORIES}, got {category!r}")
    language = (rec.get("language") or "").strip().lower() or ENGLISH
    if language not in LANGUAGES:
        raise DatasetError(f"language must be one of {LANGUAGES}, got {language!r}")
    return _row(rec["text"].strip(), label == "1", category, source, language)


_WRITTEN_LABELS = ("threat", "hate")


def _written(rec: dict[str, str], source: str) -> Row | None:
    label = rec["label"].strip()
    if label not in ("0", "1"):
        raise DatasetError(f"label must be 0 or 1, got {label!r}")
    language = rec["language"].strip().lower()
    if language not in LANGUAGES:
        raise DatasetError(f"language must be one of {LANGUAGES}, got {language!r}")
    labels = tuple(name for name in _WRITTEN_LABELS if _flag(rec[name]))
    if labels and label != "1":
        raise DatasetError(f"a row marked {', '.join(labels)} must have label 1")
    return _row(rec["text"].strip(), label == "1", ABUSE, source, language, labels)


def _mlma(rec: dict[str, str], source: str) -> Row | None:
    sentiment = rec["sentiment"].strip()
    labels = tuple(s for s in sentiment.split("_") if s and s != "normal")
    return _row(_clean_tweet(rec["tweet"]), sentiment != "normal", ABUSE, source, ARABIC, labels)


def _arabic_spam(rec: dict[str, str], source: str) -> Row | None:
    label = rec["label"].strip().lower()
    if label not in ("spam", "ham"):
        raise DatasetError(f"spam set label must be Spam or Ham, got {label!r}")
    if label == "ham":
        return None  # mostly news headlines: see LABEL_MAPPING["arabic-spam"]
    return _row(rec["text"].strip(), True, SPAM, source, ARABIC, ("spam",))


Adapter = Callable[[dict[str, str], str], "Row | None"]

# (source name, required columns, adapter); the first whose columns are all present wins, most specific first.
_ADAPTERS: tuple[tuple[str, frozenset[str], Adapter], ...] = (
    ("jigsaw", frozenset({"comment_text", *_JIGSAW_LABELS}), _jigsaw),
    ("davidson", frozenset({"class", "tweet", "offensive_language"}), _davidson),
    ("gab", frozenset({"Text", "hd", "cv", "vo"}), _gab),
    ("youtube", frozenset({"CONTENT", "CLASS"}), _youtube),
    ("cad", frozenset({"id", "text", "labels"}), _cad),
    ("mlma", frozenset({"HITId", "tweet", "sentiment"}), _mlma),
    ("written", frozenset({"text", "label", "language", *_WRITTEN_LABELS}), _written),
    ("sms", frozenset({"label", "text"}), _sms),
)


def detect_source(columns: Iterable[str]) -> str:
    """Name the adapter that recognises a CSV header ('generic' for text,label[,category])."""
    cols = set(columns)
    for name, required, _ in _ADAPTERS:
        if required <= cols and (name != "sms" or cols == required):
            return name
    if {"text", "label"} <= cols:
        return "generic"
    raise DatasetError(f"unrecognised CSV columns {sorted(cols)}; expected a known dataset or text,label[,category]")


def _adapter(name: str) -> Adapter:
    if name == "arabic-spam":
        return _arabic_spam
    for source, _, adapter in _ADAPTERS:
        if source == name:
            return adapter
    return _generic


def has_arabic(text: str) -> bool:
    """True when the text holds at least one letter of the Arabic block."""
    return any("\u0600" <= ch <= "\u06ff" for ch in text)


def _read_csv(path: Path) -> Iterator[Row]:
    """Yield rows from one CSV file, every cell read as a string (no NA guessing)."""
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        name = detect_source(reader.fieldnames or [])
        records = list(reader)
    # The SMS file and the generic format share the columns label,text: spam/ham values mean SMS (or, when most
    # texts are in Arabic script, the Arabic spam set).
    if name == "sms" and not all(rec["label"].strip().lower() in ("spam", "ham") for rec in records):
        name = "generic"
    elif name == "sms" and 2 * sum(has_arabic(rec["text"]) for rec in records) > len(records):
        name = "arabic-spam"
    source = path.stem if name == "generic" else name
    yield from _adapt(path, name, source, records, first_line=2)


def _adapt(path: Path, name: str, source: str, records: Sequence[dict[str, str]], first_line: int) -> Iterator[Row]:
    adapter = _adapter(name)
    for line, rec in enumerate(records, start=first_line):
        try:
            row = adapter(rec, source)
        except (KeyError, AttributeError) as exc:
            raise DatasetError(f"{path}:{line}: malformed row ({exc})") from exc
        except DatasetError as exc:
            raise DatasetError(f"{path}:{line}: {exc}") from exc
        if row is not None and row.text:
            yield row


def _arabic_tsv(rec: dict[str, str], source: str) -> Row | None:
    """The tab-separated Arabic sets, read by _read_tsv into {'text', 'label', 'labels'} records."""
    labels = tuple(x for x in rec["labels"].split(",") if x)
    text = _clean_tweet(rec["text"]) if source.startswith("osact") else rec["text"].strip()
    return _row(text, rec["label"] == "1", ABUSE, source, ARABIC, labels)


_AJ_LEVELS = {"0": (False, ()), "-1": (True, ("offensive",)), "-2": (True, ("obscene",))}
_LHSAB_CLASSES = {"normal": (False, ()), "abusive": (True, ("abusive",)), "hate": (True, ("hate",))}


def _tsv_records(name: str, lines: list[list[str]]) -> Iterator[dict[str, str] | None]:
    """Per data line: {'text', 'label', 'labels'} or None for a line broken by the source (unbalanced quotes)."""
    for cells in lines:
        if name == "aljazeera":
            if len(cells) < 2 or cells[-1].strip() not in _AJ_LEVELS:
                yield None
                continue
            positive, labels = _AJ_LEVELS[cells[-1].strip()]
            text = cells[-2]
        elif name == "l-hsab":
            if len(cells) != 2 or cells[1].strip() not in _LHSAB_CLASSES:
                yield None
                continue
            positive, labels = _LHSAB_CLASSES[cells[1].strip()]
            text = cells[0]
        elif name == "osact2020":
            positive, text = cells[1] == "OFF", cells[0]
            labels = tuple(x for x in (cells[1] == "OFF" and "offensive", cells[2] == "HS" and "hate") if x)
        else:  # osact2022: id, text, OFF, HS1-6, VLG, VIO
            positive, text = cells[2] == "OFF", cells[1]
            flags = (
                cells[2] == "OFF" and "offensive",
                cells[3] != "NOT_HS" and f"hate:{cells[3]}",
                cells[4] == "VLG" and "vulgar",
                cells[5] == "VIO" and "violence",
            )
            labels = tuple(x for x in flags if x)
        yield {"text": text, "label": "1" if positive else "0", "labels": ",".join(labels)}


def detect_tsv(first: list[str]) -> tuple[str, bool]:
    """Name the tab-separated Arabic set from its first line; returns (source, first line is a header)."""
    cells = [c.strip() for c in first]
    if cells[-2:] == ["text", "level"]:
        return "aljazeera", True
    if cells == ["Tweet", "Class"]:
        return "l-hsab", True
    if len(cells) == 3 and cells[1] in ("OFF", "NOT_OFF"):
        return "osact2020", False
    if len(cells) == 6 and cells[2] in ("OFF", "NOT_OFF"):
        return "osact2022", False
    raise DatasetError(f"unrecognised tab-separated columns {cells[:6]}")


def _read_tsv(path: Path) -> Iterator[Row]:
    """Yield rows from one tab-separated file (the Arabic sets; quotes are not special in them)."""
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    with path.open(newline="", encoding="utf-8-sig") as handle:
        lines = [cells for cells in csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE) if cells]
    if not lines:
        return
    name, header = detect_tsv(lines[0])
    data = lines[1:] if header else lines
    expected = {"osact2020": 3, "osact2022": 6}.get(name)
    if expected is not None and any(len(cells) != expected for cells in data):
        raise DatasetError(f"{path}: every line of the {name} set must have {expected} tab-separated columns")
    for rec in _tsv_records(name, data):
        row = None if rec is None else _arabic_tsv(rec, name)
        if row is not None and row.text:
            yield row


def data_files(path: Path) -> list[Path]:
    """A data file itself, or every .csv/.tsv/.txt file under a folder (recursively), in path order."""
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in DATA_SUFFIXES)
        if not files:
            raise DatasetError(f"no .csv, .tsv or .txt files under {path}")
        return files
    if not path.is_file():
        raise DatasetError(f"no such file or folder: {path}")
    return [path]


csv_files = data_files  # the name older callers use


def read_file(file: Path) -> list[Row]:
    """The labelled rows of one data file (tab-separated for .tsv/.txt, CSV otherwise)."""
    if file.suffix.lower() in (".tsv", ".txt"):
        return list(_read_tsv(file))
    return list(_read_csv(file))


def load_rows(paths: Sequence[Path | str]) -> list[Row]:
    """Load every data file named (files or folders) into labelled rows, in a deterministic order."""
    rows: list[Row] = []
    for path in paths:
        for file in data_files(Path(path)):
            rows.extend(read_file(file))
    return rows


def dedupe_rows(rows: Sequence[Row], normalisation: Normalisation) -> tuple[list[Row], dict[str, int]]:
    """Keep the first row of every text (same after normalisation, case and spacing), across and within sources.

    Returns the kept rows and, per source, how many of its rows were dropped as duplicates.
    """
    seen: set[str] = set()
    kept: list[Row] = []
    dropped: dict[str, int] = {}
    for row in rows:
        key = dedupe_key(row.text, normalisation)
        if key in seen:
            dropped[row.source] = dropped.get(row.source, 0) + 1
            continue
        seen.add(key)
        kept.append(row)
    return kept, dict(sorted(dropped.items()))


def from_records(
    records: Iterable[tuple[str, int, str | None, str] | tuple[str, int, str | None, str, str]],
) -> list[Row]:
    """Build rows from ``(text, label, category, source[, language])`` tuples, e.g. moderators' decisions."""
    rows = []
    for record in records:
        text, label, category, source = record[:4]
        language = record[4] if len(record) > 4 else ENGLISH
        if language not in LANGUAGES:
            raise DatasetError(f"language must be one of {LANGUAGES}, got {language!r}")
        if label not in (0, 1):
            raise DatasetError(f"label must be 0 or 1, got {label!r}")
        cat = (category or ABUSE) if label else None
        if cat is not None and cat not in CATEGORIES:
            raise DatasetError(f"category must be one of {CATEGORIES}, got {category!r}")
        if text.strip():
            rows.append(Row(text=text.strip(), label=label, category=cat, source=source, language=language))
    return rows
