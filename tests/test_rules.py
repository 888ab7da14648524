"""Word and behaviour rules as pure functions: Scunthorpe-safe, look-alike-aware, only ever stricter."""

from __future__ import annotations

import string
from itertools import groupby

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from service.reasons import outcome_reason
from service.rules import (
    LEET,
    LOOKALIKES,
    READ_AS,
    RuleInput,
    RuleSettings,
    apply_rules,
    count_links,
    fingerprint,
    is_near_duplicate,
    matched_terms,
    matching_form,
    stricter,
)
from service.status import Status
from service.text import fold_for_matching

LOOKALIKE_LETTERS = {chr(code): target for code, target in LOOKALIKES.items()}


@pytest.mark.parametrize(
    "text",
    ["you are a fuck", "FUCK this", "ｆｕｃｋ that", "Fuck!", "what the fu\u0441k", "fυck", "f\u0075ck-wit"],
)
def test_banned_term_matches_case_width_and_lookalike_variants(text: str) -> None:
    assert matched_terms(text, ["fuck"]) == ["fuck"]


@pytest.mark.parametrize(
    "text", ["Scunthorpe United won", "the scunthorpe bypass", "Penistone road", "classic assessment"]
)
def test_innocent_words_containing_a_term_do_not_match(text: str) -> None:
    assert matched_terms(text, ["cunt", "penis", "ass"]) == []


def test_multi_word_terms_match_across_any_whitespace() -> None:
    assert matched_terms("buy  cheap\nwatches now", ["cheap watches"]) == ["cheap watches"]


def test_leetspeak_is_matched_but_numbers_stay_numbers() -> None:
    assert matched_terms("sh1t happens", ["shit"]) == ["shit"]
    assert matched_terms("In 2024 we had 100 days", ["ioo"]) == []


# Issue 15, finding 5: each of these was published with banned_terms = ["kill", "idiot"].
@pytest.mark.parametrize(
    "text",
    [
        "ki\u200bll",  # zero-width space
        "kil\u00adl",  # soft hyphen
        "k\u2060ill",  # word joiner
        "\u202ekill",  # right-to-left override
        "k\u3164ill",  # Hangul filler
        "k i l l",
        "k.i.l.l",
        "k-i-l-l",
        "kiiill",
        "killllll",
        "kíll",
        "ki\u0301ll",  # a combining accent
        "ki11",
        "k1ll",
        "k!ll",
        "k|ll",
        "kıll",  # Turkish dotless i
        "KİLL",  # Turkish dotted capital I
        "кill",  # Cyrillic к
        "ᴋɪʟʟ",  # small capitals
        "𝐤𝐢𝐥𝐥",  # mathematical bold
        "I will k i l l you",
        "kill\u200bthem",  # an invisible character between words separates them
    ],
)
def test_evasions_of_a_banned_term_match(text: str) -> None:
    assert matched_terms(text, ["kill", "idiot"]) == ["kill"]


@pytest.mark.parametrize("text", ["1d10t", "id!ot", "IDIOOOT", "i d i o t", "ίdιοt", "\u0456diot"])
def test_evasions_of_a_second_term_match(text: str) -> None:
    assert matched_terms(text, ["kill", "idiot"]) == ["idiot"]


def test_every_lookalike_letter_survives_folding() -> None:
    """A look-alike that case folding or NFKD turns into something else would never be looked up."""
    assert [chr(code) for code in LOOKALIKES if fold_for_matching(chr(code)) != chr(code)] == []


def test_matching_form_joins_spelt_out_letters_and_reads_inner_symbols() -> None:
    assert matching_form("K i l l! s+upid k!ll, a b") == "kill! s7upid k1ll, a b"


@pytest.mark.parametrize(
    ("text", "terms"),
    [
        ("What a skill, skills pay", ["kill"]),
        ("a killer whale", ["kill"]),  # inflected and derived forms are other words: list them to ban them
        ("he was killed", ["kill"]),
        ("the kiln and the kilo", ["kill"]),
        ("as good as it gets", ["ass"]),  # a single letter never matches a double one
        ("a good deal", ["god"]),  # ... nor a double letter a single one
        ("class, bass, assistant, passage", ["ass"]),
        ("In 2024 we had 100 days", ["ioo"]),
        ("page 101 and 1337", ["lol", "leet"]),  # numbers stay numbers
        ("plan a b and c", ["ab"]),  # two single letters are not a spelt-out word
        ("Hello! Is it me!", ["oi"]),
        ("say hi!!!", ["hii"]),  # "!" at a word's end is punctuation
    ],
)
def test_innocent_words_and_numbers_do_not_match(text: str, terms: list[str]) -> None:
    assert matched_terms(text, terms) == []


def test_a_run_of_three_or_more_matches_a_single_or_double_letter() -> None:
    assert matched_terms("asss", ["ass"]) == ["ass"]
    assert matched_terms("goooood", ["god", "good"]) == ["god", "good"]  # a stretched run could be either
    assert matched_terms("kil", ["kill"]) == []


TERMS = ["kill", "idiot", "shit", "fuck", "bastard", "moron"]
# Every way to write each letter that the matching reads as that letter.
SPELLINGS = {
    letter: sorted(
        {letter, letter.upper(), *LEET.get(letter, "")}
        | {symbol for symbol, read in READ_AS.items() if read == letter}
        | {lookalike for lookalike, read in LOOKALIKE_LETTERS.items() if read == letter}
    )
    for letter in set("".join(TERMS))
}


@st.composite
def disguised(draw: st.DrawFn) -> tuple[str, str]:
    """A term with each letter written any way the map allows, some runs stretched, invisible characters and
    accents sprinkled in; at least one letter stays a letter."""
    term = draw(st.sampled_from(TERMS))
    written = []
    for letter, run in groupby(term):
        count = len(list(run))
        stretched = draw(st.sampled_from([count, count, 3, 5]))
        for _ in range(stretched):
            written.append(draw(st.sampled_from(SPELLINGS[letter])))
            written.append(draw(st.sampled_from(["", "", "", "\u200b", "\u00ad", "\u200d", "\u0301", "\u0308"])))
    text = "".join(written)
    assume(any(char.isalpha() for char in text))
    return term, text


@given(disguised())
def test_every_lookalike_spelling_of_a_term_matches(case: tuple[str, str]) -> None:
    term, text = case
    assert term in matched_terms(f"you {text} now", TERMS)


@given(
    st.sampled_from(TERMS),
    st.text(alphabet=string.ascii_lowercase, max_size=4),
    st.text(alphabet=string.ascii_lowercase, max_size=4),
)
def test_a_term_inside_a_longer_word_never_matches(term: str, prefix: str, suffix: str) -> None:
    assume(prefix or suffix)
    # A letter that continues the term's first or last run would only stretch it ("killl" is "kill").
    assume(not prefix.endswith(term[0]) and not suffix.startswith(term[-1]))
    assert term not in matched_terms(f"a {prefix}{term}{suffix} b", TERMS)


# Issue 14, part 4: with banned_terms = ["كلب"] ("dog") each of these was published.
@pytest.mark.parametrize(
    "text",
    [
        "كلب",
        "كـلب",  # tatweel
        "كـــــلب",
        "كَلْبٌ",  # tashkeel
        "ك\u200cلب",  # zero-width non-joiner
        "\u200fكلب\u200f",  # right-to-left marks
        "کلب",  # Persian keheh
        "ﻛﻠﺐ",  # presentation forms
        "الكلب",  # the article
        "والكلب",  # and the
        "فالكلب",
        "بالكلب",  # with the
        "كالكلب",  # like the
        "للكلب",  # for the (ل + ال)
        "وكلب",
        "لكلب",
        "كلبك",  # your dog
        "كلبه",
        "كلبهم",
        "كلبي",
        "كلبان",  # two dogs
        "كلللب",  # a stretched letter
        "ك ل ب",  # spelt out
        "يا ابن الكلب",
        "أنت كلب حقير",
    ],
)
def test_arabic_term_matches_through_marks_forms_and_clitics(text: str) -> None:
    assert matched_terms(text, ["كلب"]) == ["كلب"]


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("غبيه", "غبي"),  # feminine (ة is read as ه)
        ("أنت غبيّ", "غبي"),  # shadda
        ("انت غبي", "أنت غبي"),  # hamza forms of alef
        ("إنه حقير", "انه حقير"),
        ("الحقيرون", "حقير"),  # plural ending
        ("يا حيوانات", "حيوان"),
        ("حيواناتكم", "حيوان"),
        ("حمارة", "حماره"),
        ("مستشفى", "مستشفي"),  # alef maqsura
        ("رقم ١٢٣", "رقم 123"),  # Arabic-Indic digits
        ("رقم ۱۲۳", "رقم 123"),  # Persian digits
        ("الكس", "كس"),  # two-letter terms: the article forms only
    ],
)
def test_arabic_terms_fold_like_the_classifier(text: str, term: str) -> None:
    assert matched_terms(text, [term]) == [term]


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("كلاب الحراسة", "كلب"),  # a broken plural is another word: list it to ban it
        ("وضعوا الكلبشات في يديه", "كلب"),  # handcuffs
        ("اقتلاع الأشجار", "قتل"),  # uprooting
        ("رفعوا الشعارات", "عار"),  # slogans
        ("معارك الموصل", "عار"),  # battles
        ("استعارة جميلة", "عار"),  # metaphor
        ("كسر الباب", "كس"),  # broke
        ("على العكس", "كس"),  # on the contrary
        ("الكسل", "كس"),  # laziness
        ("بكسل", "كس"),  # pixel
        ("المكسيك", "كس"),  # Mexico
        ("ربح ووكس", "كس"),  # "loss": a bare clitic + a two-letter word is not read
        ("الزبون دائما على حق", "زب"),  # the customer
        ("زبدة", "زب"),  # butter
    ],
)
def test_arabic_terms_do_not_match_inside_unrelated_words(text: str, term: str) -> None:
    assert matched_terms(text, [term]) == []


ARABIC_TERMS = ["كلب", "حمار", "حقير", "قتل"]
# Letters that can start no clitic ending and end no clitic beginning, so an added letter makes another word.
NOT_BEFORE = "ثجحخدذرزسشصضطظعغقم"
NOT_AFTER = "ثجحخدذرزسشصضطظعغفقلم"


@given(
    st.sampled_from(ARABIC_TERMS),
    st.text(alphabet=NOT_BEFORE, max_size=3),
    st.text(alphabet=NOT_AFTER, max_size=3),
)
def test_an_arabic_term_inside_a_longer_word_never_matches(term: str, prefix: str, suffix: str) -> None:
    assume(prefix or suffix)
    assume(not prefix.endswith(term[0]) and not suffix.startswith(term[-1]))
    assert term not in matched_terms(f"هذا {prefix}{term}{suffix} هناك", ARABIC_TERMS)


@given(
    st.sampled_from(ARABIC_TERMS),
    st.sampled_from(["", "و", "ف", "ب", "ك", "ل", "ال", "وال", "فال", "بال", "كال", "لل", "ولل", "وب"]),
    st.sampled_from(["", "ه", "ها", "هم", "ك", "كم", "ي", "نا", "ات", "ون", "ين", "اتكم"]),
    st.lists(st.sampled_from(["\u0640", "\u064e", "\u0650", "\u0651", "\u0652", "\u200c", "\u200f"]), max_size=3),
)
def test_an_arabic_term_matches_with_any_clitics_and_marks(
    term: str, prefix: str, suffix: str, marks: list[str]
) -> None:
    word = prefix + term[0] + "".join(marks) + term[1:] + suffix
    assert term in matched_terms(f"هذا {word} هناك", ARABIC_TERMS)


@pytest.mark.parametrize(
    ("text", "links"),
    [
        ("no links here", 0),
        ("see https://example.com/x and http://a.org", 2),
        ("visit www.spam.biz or cheap-pills.ru/buy", 2),
        ("the U.S. economy. Mr. Smith said so.", 0),
    ],
)
def test_links_are_counted(text: str, links: int) -> None:
    assert count_links(text) == links


def test_near_duplicates_share_a_fingerprint_and_different_texts_do_not() -> None:
    original = "Earn 500 dollars a day working from home, visit my profile to find out how it works"
    edited = "Earn 500 dollars a day working from home!! visit my profile to find out how it works"
    other = "The council should publish the full cost of the bridge repairs before the next vote"
    first, second, third = fingerprint(original), fingerprint(edited), fingerprint(other)
    assert first and second and third
    assert is_near_duplicate(first, second)
    assert not is_near_duplicate(first, third)


def test_short_bodies_are_never_duplicates() -> None:
    assert fingerprint("Thanks!") is None


def test_stricter_never_relaxes() -> None:
    assert stricter(Status.REJECTED, Status.PUBLISHED) == Status.REJECTED
    assert stricter(Status.PUBLISHED, Status.PENDING) == Status.PENDING
    assert stricter(Status.PENDING, Status.REJECTED) == Status.REJECTED


SETTINGS = RuleSettings(
    banned_terms=("fuck",),
    suspect_terms=("idiot",),
    max_links=1,
    new_author_hold=2,
    premoderated_articles=frozenset({"court-case"}),
)


def facts(body: str = "A calm remark.", article: str = "a", prior: int = 5, duplicate: bool = False) -> RuleInput:
    return RuleInput(body=body, article_id=article, prior_comments_by_author=prior, duplicate_of_recent=duplicate)


@pytest.mark.parametrize(
    ("rule_facts", "status", "code"),
    [
        (facts(body="what the fuck"), Status.REJECTED, "banned_term"),
        (facts(body="you idiot"), Status.PENDING, "suspect_term"),
        (facts(body="http://a.com http://b.com"), Status.PENDING, "too_many_links"),
        (facts(duplicate=True), Status.PENDING, "duplicate"),
        (facts(prior=1), Status.PENDING, "new_author"),
        (facts(article="court-case"), Status.PENDING, "premoderated_article"),
    ],
)
def test_each_rule_tightens_a_published_outcome_with_its_reason(
    rule_facts: RuleInput, status: Status, code: str
) -> None:
    new_status, reasons = apply_rules(Status.PUBLISHED, [], rule_facts, SETTINGS)
    assert new_status == status
    assert reasons == [outcome_reason(code)]


def test_rules_never_loosen_a_rejection() -> None:
    reasons = [outcome_reason("score_high")]
    assert apply_rules(Status.REJECTED, reasons, facts(body="you idiot"), SETTINGS)[0] == Status.REJECTED


def test_no_rule_fires_on_an_ordinary_comment() -> None:
    assert apply_rules(Status.PUBLISHED, [], facts(), SETTINGS) == (Status.PUBLISHED, [])


def test_short_bodies_repeat_only_when_exactly_the_same_words() -> None:
    spam = fingerprint("Check out my channel for free gift cards!!")
    again = fingerprint("check out my CHANNEL for free gift cards")
    numbered = [fingerprint(f"Comment number {n} about the bridge.") for n in range(10)]
    assert spam and again and is_near_duplicate(spam, again)
    assert all(f is not None for f in numbered)
    assert not any(is_near_duplicate(a, b) for i, a in enumerate(numbered) for b in numbered[i + 1 :] if a and b)


def test_near_duplicates_always_share_a_fingerprint_band() -> None:
    from service.rules import fingerprint_bands

    base = "Earn 500 dollars a day working from home, visit my profile to find out how it works for you"
    variants = [base, base + "!!", base.upper(), base.replace("500", "five hundred"), base + " today"]
    prints = [f for f in (fingerprint(v) for v in variants) if f]
    for first in prints:
        for second in prints:
            if is_near_duplicate(first, second):
                assert set(fingerprint_bands(first)) & set(fingerprint_bands(second))
    short = fingerprint("Check out my channel for gift cards")
    assert short is not None and fingerprint_bands(short) == [short]
