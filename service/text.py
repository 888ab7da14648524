"""Text normalisation shared by validation, the counter on the page and the rules: one definition of a character."""

from __future__ import annotations

import re
import unicodedata

BODY_LIMIT = 1500
# Unicode's Cc (control) and Cs (surrogate) categories are exactly these ranges; one regex scan instead of a
# category lookup per character.
_CONTROLS_AND_SURROGATES = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_FORBIDDEN_EXCEPT_LINES = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def normalise_text(value: str) -> str:
    """NFC-compose, turn CRLF/CR line ends into LF (browsers post CRLF) and trim surrounding whitespace."""
    return unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n")).strip()


def character_count(value: str) -> int:
    """Characters as the limit counts them: code points after normalise_text()."""
    return len(normalise_text(value))


def forbidden_characters(value: str, allow_newlines: bool = True) -> list[str]:
    """Control characters (other than newline and tab in bodies) and lone surrogates, as U+XXXX names."""
    pattern = _FORBIDDEN_EXCEPT_LINES if allow_newlines else _CONTROLS_AND_SURROGATES
    return sorted({f"U+{ord(char):04X}" for char in pattern.findall(value)})


# Matching only (rules): what a reader cannot see or would read as the same letter is folded away. Never applied to
# stored or displayed text.

# Invisible characters: every format character (Unicode Cf: zero-width space and joiners, soft hyphen, bidi marks,
# embeddings, overrides and isolates, BOM, tags) and the blank letters used as invisible ink (Hangul fillers, braille
# blank). tests/test_text.py checks every Cf code point is here.
_INVISIBLE_RANGES = (
    (0x00AD, 0x00AD), (0x0600, 0x0605), (0x061C, 0x061C), (0x06DD, 0x06DD), (0x070F, 0x070F), (0x0890, 0x0891),
    (0x08E2, 0x08E2), (0x115F, 0x1160), (0x180E, 0x180E), (0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x2064),
    (0x2066, 0x206F), (0x2800, 0x2800), (0x3164, 0x3164), (0xFEFF, 0xFEFF), (0xFFA0, 0xFFA0), (0xFFF9, 0xFFFB),
    (0x110BD, 0x110BD), (0x110CD, 0x110CD), (0x13430, 0x1343F), (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A),
    (0xE0001, 0xE0001), (0xE0020, 0xE007F),
)  # fmt: skip
# Blocks whose combining marks are diacritics (accents, Arabic tashkeel and Quranic marks, Hebrew points, variation
# selectors): dropped after NFKD, so "kíll" is "kill", "كَلْبٌ" is "كلب" and أ إ آ are ا (they decompose to ا + hamza
# or madda). Vowel signs of Indic scripts are letters of their words and stay.
_DIACRITIC_BLOCKS = (
    (0x0300, 0x036F), (0x0483, 0x0489), (0x0591, 0x05C7), (0x0610, 0x061A), (0x064B, 0x065F), (0x0670, 0x0670),
    (0x06D6, 0x06ED), (0x08CA, 0x08FF), (0x17B4, 0x17B5), (0x1AB0, 0x1AFF), (0x1DC0, 0x1DFF), (0x20D0, 0x20FF),
    (0xFE00, 0xFE0F), (0xFE20, 0xFE2F), (0xE0100, 0xE01EF),
)  # fmt: skip
# Arabic letter forms written for one another (and Persian/Urdu forms of Arabic letters), unified as the Arabic
# classifier does; tatweel (kashida) only stretches a word.
ARABIC_FORMS = {
    "\u0671": "\u0627", "\u0672": "\u0627", "\u0673": "\u0627", "\u0675": "\u0627",  # ٱ ٲ ٳ ٵ → ا
    "\u0649": "\u064a", "\u06cc": "\u064a", "\u06d0": "\u064a",  # ى ی ې → ي
    "\u0629": "\u0647", "\u06c3": "\u0647", "\u06d5": "\u0647", "\u06c1": "\u0647", "\u06be": "\u0647",  # ة ۃ ە ہ ھ → ه
    "\u06a9": "\u0643", "\u06aa": "\u0643",  # ک ڪ → ك
    "\u0640": "",  # tatweel
}  # fmt: skip


def _ranges(ranges: tuple[tuple[int, int], ...]) -> list[int]:
    return [code for start, end in ranges for code in range(start, end + 1)]


INVISIBLE = frozenset(chr(code) for code in _ranges(_INVISIBLE_RANGES))
_INVISIBLE_RUN = re.compile("[" + "".join(f"{chr(start)}-{chr(end)}" for start, end in _INVISIBLE_RANGES) + "]+")
_MATCHING_TABLE: dict[int, str | None] = {code: None for code in _ranges(_INVISIBLE_RANGES)}
_MATCHING_TABLE.update(
    {code: None for code in _ranges(_DIACRITIC_BLOCKS) if unicodedata.category(chr(code)) in ("Mn", "Me")}
)
_MATCHING_TABLE.update({ord(char): target for char, target in ARABIC_FORMS.items()})
# Arabic-Indic and Persian digits are digits: read as ASCII ones.
_MATCHING_TABLE.update({0x0660 + digit: str(digit) for digit in range(10)})
_MATCHING_TABLE.update({0x06F0 + digit: str(digit) for digit in range(10)})


def fold_for_matching(value: str) -> str:
    """Text as terms are matched in it: NFKD, case-folded, without invisible characters or diacritics, Arabic letter
    forms unified and Arabic-Indic digits as ASCII. Plain ASCII text is only lower-cased (nothing else applies)."""
    if value.isascii():
        return value.lower()
    return unicodedata.normalize("NFKD", value).casefold().translate(_MATCHING_TABLE)


def has_invisible(value: str) -> bool:
    """Whether the text holds an invisible character (see INVISIBLE)."""
    return not value.isascii() and _INVISIBLE_RUN.search(value) is not None


def invisible_as_spaces(value: str) -> str:
    """The text with each run of invisible characters turned into one space (a zero-width space may separate words)."""
    return _INVISIBLE_RUN.sub(" ", value)


def normalise_term(value: str) -> str:
    """A banned or suspect term as the policy stores it: normalise_text() and no invisible characters."""
    return normalise_text(_INVISIBLE_RUN.sub("", value))
