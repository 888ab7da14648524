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


def fold_for_matching(value: str) -> str:
    """NFKC + case folding, so full-width and upper-case letters match their plain forms."""
    return unicodedata.normalize("NFKC", value).casefold()
