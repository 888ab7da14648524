"""Per-language text normalisation before features, one whitespace-delimited word at a time.

A normaliser maps each run of non-whitespace characters on its own and never creates or removes whitespace, so a
text's words stay in place: the fast path (fast.py) normalises word by word (memoised per distinct word) and keeps
offsets into the original text for explanations, while the reference pipeline sees ``normalise_text`` of the whole
text; both give the same features. A word that normalises to "" simply produces no features.

Arabic (``arabic``): invisible format characters (ZWNJ, ZWJ, LRM/RLM, zero-width space, bidi controls, BOM, soft
hyphen) and tatweel removed; tashkeel and Quranic marks removed; presentation forms (ﻻ, ﺍ...) unfolded (NFKC);
alef forms أ إ آ ٱ → ا, ى → ي, ة → ه (``fold_letters``); the hamza seats ؤ → و, ئ → ي (``fold_hamza_seats``);
Persian/Urdu/Kurdish letter forms
ک → ك, ی → ي, ە ۀ ھ ہ ۃ → ه; Arabic-Indic and Persian digits → ASCII digits; a letter repeated three or more times
shortened to ``repeat_max`` copies. Case is left to the vectorizers (they lowercase).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

NONE = "none"
ARABIC = "arabic"
NORMALISATIONS: tuple[str, ...] = (NONE, ARABIC)

_NON_SPACE = re.compile(r"\S+")
_SPACE = re.compile(r"\s+")

# Removed outright: bidi and zero-width format characters, tatweel, tashkeel and other Arabic combining marks.
_FORMAT = "\u00ad\u061c\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2060\u2061\u2062\u2063\u2064"
_FORMAT += "\u2066\u2067\u2068\u2069\ufeff"
_TATWEEL = "\u0640"
_MARKS = (
    "".join(chr(c) for c in range(0x064B, 0x0660))  # fathatan .. wavy hamza below (tashkeel)
    + "\u0670"  # superscript alef
    + "".join(chr(c) for c in range(0x0610, 0x061B))  # honorific signs
    + "".join(chr(c) for c in range(0x06D6, 0x06DD))  # Quranic annotation signs
    + "".join(chr(c) for c in range(0x06DF, 0x06E9))
    + "".join(chr(c) for c in range(0x06EA, 0x06EE))
)
_LETTERS = {
    "\u0623": "\u0627",  # أ → ا
    "\u0625": "\u0627",  # إ → ا
    "\u0622": "\u0627",  # آ → ا
    "\u0671": "\u0627",  # ٱ (wasla) → ا
    "\u0672": "\u0627",  # ٲ → ا
    "\u0673": "\u0627",  # ٳ → ا
    "\u0649": "\u064a",  # ى → ي
    "\u0629": "\u0647",  # ة → ه
}
_SCRIPT_FORMS = {
    "\u06a9": "\u0643",  # ک (keheh, Persian/Urdu/Kurdish) → ك
    "\u06aa": "\u0643",  # ڪ (swash kaf) → ك
    "\u06cc": "\u064a",  # ی (Farsi yeh) → ي
    "\u06d5": "\u0647",  # ە (ae, Kurdish) → ه
    "\u06c0": "\u0647",  # ۀ → ه
    "\u06be": "\u0647",  # ھ (heh doachashmee) → ه
    "\u06c1": "\u0647",  # ہ (heh goal) → ه
    "\u06c3": "\u0647",  # ۃ → ه
}
_HAMZA_SEATS = {"\u0624": "\u0648", "\u0626": "\u064a"}  # ؤ → و, ئ → ي
_DIGITS = {chr(0x0660 + i): str(i) for i in range(10)} | {chr(0x06F0 + i): str(i) for i in range(10)}
_PRESENTATION = re.compile("[\ufb50-\ufdff\ufe70-\ufefe]")
_REPEATS = re.compile(r"([^\W\d_])\1{2,}")


@dataclass(frozen=True)
class Normalisation:
    """Which normaliser a language's pipeline was trained with, and its options (recorded in the model card)."""

    name: str = NONE
    repeat_max: int = 2
    fold_hamza_seats: bool = True
    fold_letters: bool = True

    def __post_init__(self) -> None:
        if self.name not in NORMALISATIONS:
            raise ValueError(f"normalisation must be one of {NORMALISATIONS}, got {self.name!r}")
        if self.repeat_max < 1:
            raise ValueError("repeat_max must be at least 1")


def _table(fold_hamza_seats: bool, fold_letters: bool) -> dict[int, str | None]:
    table: dict[int, str | None] = {ord(c): None for c in _FORMAT + _TATWEEL + _MARKS}
    letters = _SCRIPT_FORMS | (_LETTERS if fold_letters else {}) | (_HAMZA_SEATS if fold_hamza_seats else {})
    table.update({ord(k): v for k, v in (letters | _DIGITS).items()})
    return table


def arabic_word(word: str, table: dict[int, str | None], repeat: str) -> str:
    """Normalise one whitespace-free word (the result never contains whitespace; it may be empty)."""
    if _PRESENTATION.search(word):
        # NFKC unfolds presentation forms; a few ligatures (e.g. U+FDFA) unfold into several words: keep one word.
        word = "".join(unicodedata.normalize("NFKC", word).split())
    word = word.translate(table)
    # Most words repeat no letter: searching first skips sub's per-call template setup, which costs more than it.
    return _REPEATS.sub(repeat, word) if _REPEATS.search(word) else word


def word_normaliser(normalisation: Normalisation) -> Callable[[str], str] | None:
    """The function applied to each whitespace-delimited word, or None when the text is used as it is."""
    if normalisation.name == NONE:
        return None
    table = _table(normalisation.fold_hamza_seats, normalisation.fold_letters)
    return partial(arabic_word, table=table, repeat=r"\1" * normalisation.repeat_max)


def normalise_text(text: str, normalisation: Normalisation) -> str:
    """The whole text normalised word by word (whitespace kept exactly as it was)."""
    word = word_normaliser(normalisation)
    if word is None:
        return text
    return _NON_SPACE.sub(lambda m: word(m.group()), text)


def normalise_texts(texts: list[str], normalisation: Normalisation) -> list[str]:
    """normalise_text over a list, memoising repeated words."""
    word = word_normaliser(normalisation)
    if word is None:
        return list(texts)
    cache: dict[str, str] = {}

    def one(match: re.Match[str]) -> str:
        token = match.group()
        out = cache.get(token)
        if out is None:
            out = cache[token] = word(token)
        return out

    return [_NON_SPACE.sub(one, text) for text in texts]


def dedupe_key(text: str, normalisation: Normalisation) -> str:
    """The key two texts share when they are the same comment up to normalisation, case and spacing."""
    return _SPACE.sub(" ", normalise_text(text, normalisation)).strip().casefold()
