"""Text normalisation shared by validation, the counter on the page and the rules: one definition of a character."""

from __future__ import annotations

import unicodedata

BODY_LIMIT = 1500
_ALLOWED_CONTROLS = {"\n", "\t"}


def normalise_text(value: str) -> str:
    """NFC-compose, turn CRLF/CR line ends into LF (browsers post CRLF) and trim surrounding whitespace."""
    return unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n")).strip()


def character_count(value: str) -> int:
    """Characters as the limit counts them: code points after normalise_text()."""
    return len(normalise_text(value))


def forbidden_characters(value: str, allow_newlines: bool = True) -> list[str]:
    """Control characters (other than newline and tab in bodies) and lone surrogates, as U+XXXX names."""
    allowed = _ALLOWED_CONTROLS if allow_newlines else set()
    found = []
    for char in value:
        category = unicodedata.category(char)
        if (category == "Cc" and char not in allowed) or category == "Cs":
            found.append(f"U+{ord(char):04X}")
    return sorted(set(found))


def fold_for_matching(value: str) -> str:
    """NFKC + case folding, so full-width and upper-case letters match their plain forms."""
    return unicodedata.normalize("NFKC", value).casefold()
