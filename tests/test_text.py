"""service.text: the one definition of a character that validation and the rules share."""

from __future__ import annotations

import sys
import unicodedata

import pytest

from service.text import (
    INVISIBLE,
    fold_for_matching,
    forbidden_characters,
    has_invisible,
    invisible_as_spaces,
    normalise_term,
)

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


def test_every_format_character_is_invisible_to_matching() -> None:
    format_characters = {char for char in EVERY_CODE_POINT if unicodedata.category(char) == "Cf"}
    assert format_characters <= INVISIBLE
    assert fold_for_matching("".join(sorted(format_characters))) == ""


def test_plain_ascii_is_only_lower_cased() -> None:
    assert fold_for_matching("Kill THE 100 Idiots!") == "kill the 100 idiots!"


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Kíll ÇA Ñ", "kill ca n"),
        ("ﬁne Ｆｕｌｌ", "fine full"),
        ("İstanbul", "istanbul"),
        ("أإآٱا", "ااااا"),  # alef forms
        ("كَلْبٌ", "كلب"),  # tashkeel
        ("كـــلب", "كلب"),  # tatweel
        ("ى ی ې", "ي ي ي"),
        ("ة ە ہ ھ", "ه ه ه ه"),
        ("کلب ڪلب", "كلب كلب"),
        ("ؤ ئ", "و ي"),  # hamza seats
        ("٠١٢٣٤٥٦٧٨٩ ۰۱۲۳۴۵۶۷۸۹", "0123456789 0123456789"),
        ("ﻻ ﷲ", "لا الله"),  # presentation forms
        ("नमस्ते", unicodedata.normalize("NFKD", "नमस्ते")),  # Indic vowel signs are letters: kept
    ],
)
def test_fold_for_matching(text: str, folded: str) -> None:
    assert fold_for_matching(text) == folded


def test_terms_are_stored_trimmed_composed_and_without_invisible_characters() -> None:
    assert normalise_term("  ki\u200bll\u202e ") == "kill"
    assert normalise_term("cafe\u0301") == "café"
    assert invisible_as_spaces("kill\u200b\u200bthem") == "kill them"
    assert has_invisible("ك\u200cلب") and not has_invisible("كلب") and not has_invisible("kill")
