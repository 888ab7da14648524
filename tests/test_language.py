"""service.language: which supported languages a comment is in, and when a person must read it instead."""

from __future__ import annotations

import dataclasses
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from py3langid.langid import MODEL_FILE, LanguageIdentifier

from service.language import ARABIZI, UNDETERMINED, LanguageResult, identify, is_arabizi

BOTH = frozenset({"en", "ar"})
SAMPLES = Path(__file__).parent / "data" / "language_samples.tsv"
# Two-word Persian that is also good Arabic spelling: no letter or word tells them apart (see the report in #14).
KNOWN_AMBIGUOUS = {"ممنون", "عالی بود"}


def _samples() -> list[tuple[str, str]]:
    rows = []
    for line in SAMPLES.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            expected, text = line.split("\t", 1)
            rows.append((expected, text))
    return rows


def _codes() -> frozenset[str]:
    """Every language code identify can answer: the detector's ISO 639-1 labels, folded dialects, 'und'."""
    labels = LanguageIdentifier.from_model_file(MODEL_FILE).labels
    folded = {"arz": "ar", "ary": "ar", "sdh": "ku", "wuu": "zh", "yue": "zh", "nn": "no"}
    return frozenset({folded.get(label, label) for label in labels if len(folded.get(label, label)) == 2}) | {
        UNDETERMINED
    }


@pytest.mark.parametrize(
    "text",
    [
        "The militia leaders should be held accountable for what happened in Mosul.",
        "Great reporting, thank you.",
        "ISIS is back in Iraq",
        "you are a fucking idiot and everyone here knows it",
        "Elections in Kirkuk were rigged, everyone knows it.",
        "nice",
        "No kidding.",
        "lol ok",
    ],
)
def test_english_comments_are_english_and_covered(text: str) -> None:
    result = identify(text, BOTH)
    assert (result.language, result.present, result.unsupported) == ("en", ("en",), ())
    assert result.covered and not result.neutral


@pytest.mark.parametrize(
    "text",
    [
        "أنت غبي وحقير ويجب أن تموت",  # MSA, the insult from issue 14
        "يجب على الحكومة محاسبة الميليشيات على الجرائم في الموصل",  # MSA
        "شو هالحكي يا زلمة، الدولة ما عم تعمل شي",  # Levantine
        "شكو ماكو، والله هذا الحچي ما ينگبل",  # Iraqi, with چ and گ
        "إنت إيه اللي بتقوله ده يا عم، كلام فاضي",  # Egyptian
        "وش السالفة يا خوي، ترى الوضع ما يطمن",  # Gulf
        "أنـــتَ غَبِيٌّ جِدًّا",  # tatweel and tashkeel
        "Trump و بايدن نفس الشي",  # Latin names inside Arabic
        "RT @user: وعيون تنادينا تحايل فينا https://t.co/x 💕",
    ],
)
def test_arabic_comments_in_msa_and_dialects_are_arabic_and_covered(text: str) -> None:
    result = identify(text, BOTH)
    assert (result.language, result.present, result.unsupported) == ("ar", ("ar",), ())


def test_arabic_with_an_english_sentence_is_scored_in_both_languages() -> None:
    result = identify("هذا المقال رائع جدا وأنا أتفق مع الكاتب but the author is an idiot honestly", BOTH)
    assert result.language == "ar"
    assert result.present == ("ar", "en") and result.covered


def test_english_with_an_arabic_sentence_is_scored_in_both_languages() -> None:
    result = identify("The article is fair, but one reader wrote: أنت غبي وحقير ويجب أن تموت", BOTH)
    assert result.present == ("en", "ar") and result.covered


def test_a_short_latin_name_in_an_arabic_comment_does_not_count() -> None:
    result = identify("الله يرحم شهداء الموصل ويحفظ العراق من كل شر CNN", BOTH)
    assert result.present == ("ar",)


@pytest.mark.parametrize(
    "text",
    [
        "inta 7mar w ma bt3rf shi",
        "wallah ya5i hayda kteer",
        "shu hal 7aki, el dawle ma 3am ta3mel shi",
        "yalla ba2a khalasna",
    ],
)
def test_arabizi_is_arabic_but_no_model_reads_it(text: str) -> None:
    result = identify(text, BOTH)
    assert (result.language, result.present, result.unsupported) == ("ar", (), (ARABIZI,))
    assert not result.covered


@pytest.mark.parametrize(
    "text",
    ["Meet me at 3am on the 2nd floor", "I ran 5km in 27mins today", "gr8 game 2day m8", "The F35 and the MP3 format"],
)
def test_english_with_digits_is_not_taken_for_arabizi(text: str) -> None:
    assert not is_arabizi(text)


@pytest.mark.parametrize(("expected", "text"), [s for s in _samples() if s[1] not in KNOWN_AMBIGUOUS])
def test_comments_in_languages_no_model_covers_go_to_a_person(expected: str, text: str) -> None:
    result = identify(text, BOTH)
    assert not result.covered
    assert result.present == ()
    if expected == ARABIZI:
        assert result.unsupported == (ARABIZI,)
    else:
        assert result.language in (expected, UNDETERMINED) or (expected == "fa" and result.language == "ps")


def test_most_hand_written_samples_are_named_exactly() -> None:
    rows = [(e, t) for e, t in _samples() if e != ARABIZI]
    exact = sum(identify(t, BOTH).language == e for e, t in rows)
    assert exact >= 0.9 * len(rows)


@pytest.mark.parametrize(
    "text",
    [
        "این دولت هیچ کاری برای مردم نمی‌کند، فقط حرف می‌زنند. الله يحفظ العراق",  # Persian with an Arabic blessing
        "The army did well. 这个政府根本不关心老百姓，伊斯兰国还在活动。",  # English with a Chinese sentence
        "يجب محاسبة الميليشيات. Les milices doivent être désarmées immédiatement.",  # Arabic with French
    ],
)
def test_a_meaningful_part_in_another_language_sends_the_comment_to_a_person(text: str) -> None:
    assert not identify(text, BOTH).covered


@pytest.mark.parametrize(
    "text", ["", "   \n\t", "👍👍👍", "😂", "+1", "ok", "لا", "100%", "https://example.com/a/b", "!!!"]
)
def test_text_without_enough_letters_has_no_language_and_is_scored_by_every_model(text: str) -> None:
    result = identify(text, BOTH)
    assert result == LanguageResult(UNDETERMINED, 0.0, (), ())
    assert result.neutral and result.covered


def test_only_the_supported_languages_are_present() -> None:
    arabic = identify("يجب على الحكومة محاسبة الميليشيات على الجرائم في الموصل", {"en"})
    assert (arabic.language, arabic.present, arabic.unsupported, arabic.covered) == ("ar", (), ("ar",), False)
    english = identify("The militia leaders should be held accountable.", {"ar"})
    assert not english.covered and english.unsupported == ("en",)


def test_result_is_frozen() -> None:
    result = identify("Great reporting, thank you.", BOTH)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.language = "ar"  # type: ignore[misc]


def test_threads_share_one_detector_and_get_the_serial_answers() -> None:
    texts = [t for _, t in _samples()] + ["Great reporting, thank you.", "أنت غبي وحقير ويجب أن تموت"]
    serial = [identify(t, BOTH) for t in texts]
    with ThreadPoolExecutor(max_workers=8) as pool:
        parallel = list(pool.map(lambda t: identify(t, BOTH), texts * 4))
    assert parallel == serial * 4


CODES = _codes()


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=400), supported=st.sets(st.sampled_from(["en", "ar", "fr", "fa"]), max_size=3))
def test_identify_never_raises_and_answers_only_known_codes(text: str, supported: set[str]) -> None:
    result = identify(text, supported)
    assert result.language in CODES
    assert 0.0 <= result.confidence <= 1.0
    assert set(result.present) <= supported
    assert not set(result.unsupported) & supported
    assert set(result.unsupported) <= CODES | {ARABIZI}
    assert len(set(result.present)) == len(result.present)
