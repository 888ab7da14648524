"""Labelled-comment loaders: one adapter per shared public dataset plus the generic ``text,label[,category]`` CSV."""

from __future__ import annotations

import csv
import html
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

ABUSE = "abuse"
SPAM = "spam"
CATEGORIES: tuple[str, ...] = (ABUSE, SPAM)

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
    "generic": {
        "recognised_by": "columns text,label[,category]; source name = file stem unless given",
        "positive": "label 1",
        "negative": "label 0",
        "category": "the category column (abuse or spam); 'abuse' when missing or empty",
        "text": "unchanged",
    },
}


class DatasetError(ValueError):
    """A CSV file that no adapter recognises or whose rows are malformed."""


@dataclass(frozen=True, slots=True)
class Row:
    """One labelled comment: label 1 = needs moderation, category set only for positives."""

    text: str
    label: int
    category: str | None
    source: str


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


def _row(text: str, positive: bool, category: str, source: str) -> Row:
    return Row(text=text, label=int(positive), category=category if positive else None, source=source)


def _cad(rec: dict[str, str], source: str) -> Row | None:
    text = rec["text"].replace("[linebreak]", "\n").strip()
    return _row(text, "Abuse" in rec["labels"], ABUSE, source)


def _davidson(rec: dict[str, str], source: str) -> Row | None:
    return _row(html.unescape(rec["tweet"]).strip(), rec["class"].strip() != "2", ABUSE, source)


def _gab(rec: dict[str, str], source: str) -> Row | None:
    positive = _flag(rec["hd"]) or _flag(rec["cv"]) or _flag(rec["vo"])
    return _row(rec["Text"].strip(), positive, ABUSE, source)


_JIGSAW_LABELS = ("toxic", "severe_toxic", "obscene", "threat", "insult", "identity_hate")


def _jigsaw(rec: dict[str, str], source: str) -> Row | None:
    return _row(rec["comment_text"].strip(), any(_flag(rec[c]) for c in _JIGSAW_LABELS), ABUSE, source)


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
    return _row(rec["text"].strip(), label == "1", category, source)


Adapter = Callable[[dict[str, str], str], "Row | None"]

# (source name, required columns, adapter); the first whose columns are all present wins, most specific first.
_ADAPTERS: tuple[tuple[str, frozenset[str], Adapter], ...] = (
    ("jigsaw", frozenset({"comment_text", *_JIGSAW_LABELS}), _jigsaw),
    ("davidson", frozenset({"class", "tweet", "offensive_language"}), _davidson),
    ("gab", frozenset({"Text", "hd", "cv", "vo"}), _gab),
    ("youtube", frozenset({"CONTENT", "CLASS"}), _youtube),
    ("cad", frozenset({"id", "text", "labels"}), _cad),
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
    for source, _, adapter in _ADAPTERS:
        if source == name:
            return adapter
    return _generic


def _read_csv(path: Path) -> Iterator[Row]:
    """Yield rows from one CSV file, every cell read as a string (no NA guessing)."""
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        name = detect_source(reader.fieldnames or [])
        records = list(reader)
    # The SMS file and the generic format share the columns label,text: spam/ham values mean SMS.
    if name == "sms" and not all(rec["label"].strip().lower() in ("spam", "ham") for rec in records):
        name = "generic"
    adapter = _adapter(name)
    source = path.stem if name == "generic" else name
    for line, rec in enumerate(records, start=2):
        try:
            row = adapter(rec, source)
        except (KeyError, AttributeError) as exc:
            raise DatasetError(f"{path}:{line}: malformed row ({exc})") from exc
        except DatasetError as exc:
            raise DatasetError(f"{path}:{line}: {exc}") from exc
        if row is not None and row.text:
            yield row


def csv_files(path: Path) -> list[Path]:
    """A CSV file itself, or the CSV files of a folder in name order."""
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() == ".csv")
        if not files:
            raise DatasetError(f"no CSV files in {path}")
        return files
    if not path.is_file():
        raise DatasetError(f"no such file or folder: {path}")
    return [path]


def load_rows(paths: Sequence[Path | str]) -> list[Row]:
    """Load every CSV named (files or folders) into labelled rows, in a deterministic order."""
    rows: list[Row] = []
    for path in paths:
        for file in csv_files(Path(path)):
            rows.extend(_read_csv(file))
    return rows


def from_records(records: Iterable[tuple[str, int, str | None, str]]) -> list[Row]:
    """Build rows from ``(text, label, category, source)`` tuples, e.g. moderators' decisions."""
    rows = []
    for text, label, category, source in records:
        if label not in (0, 1):
            raise DatasetError(f"label must be 0 or 1, got {label!r}")
        cat = (category or ABUSE) if label else None
        if cat is not None and cat not in CATEGORIES:
            raise DatasetError(f"category must be one of {CATEGORIES}, got {category!r}")
        if text.strip():
            rows.append(Row(text=text.strip(), label=label, category=cat, source=source))
    return rows
