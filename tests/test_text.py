"""service.text: the one definition of a character that validation and the rules share."""

from __future__ import annotations

import sys
import unicodedata

from service.text import forbidden_characters

EVERY_CODE_POINT = "".join(chr(code) for code in range(sys.maxunicode + 1))


def _by_category(value: str, allow_newlines: bool) -> list[str]:
    """The definition, spelled out: Unicode category Cc (but newline and tab in bodies) and Cs."""
    allowed = {"\n", "\t"} if allow_newlines else set()
    return sorted(
        {
            f"U+{ord(char):04X}"
            for char in value
            if (unicodedata.category(char) == "Cc" and char not in allowed) or unicodedata.category(char) == "Cs"
        }
    )


def test_forbidden_characters_are_exactly_unicode_controls_and_surrogates_on_every_code_point() -> None:
    for allow_newlines in (True, False):
        found = forbidden_characters(EVERY_CODE_POINT, allow_newlines)
        assert found == _by_category(EVERY_CODE_POINT, allow_newlines)
    assert "U+000A" not in forbidden_characters("a\nb\tc")
    assert forbidden_characters("a\nb", allow_newlines=False) == ["U+000A"]
    assert forbidden_characters("fine text, é and 😀") == []
