"""Word and behaviour rules as pure functions: Scunthorpe-safe, look-alike-aware, only ever stricter."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.reasons import outcome_reason
from service.rules import (
    LOOKALIKES,
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


def _matching_form_word_by_word(text: str) -> str:
    """The definition matching_form implements faster: each word with a letter, look-alikes mapped to Latin."""
    return re.sub(
        r"[\w@$]+",
        lambda m: m.group(0).translate(LOOKALIKES) if any(ch.isalpha() for ch in m.group(0)) else m.group(0),
        fold_for_matching(text),
    )


@given(
    st.text(alphabet=st.sampled_from("abzAZ 019@$.,-_\n\u0430\u0435\u03c5\u03bf\uff21\uff11\u00df\u00e9"), max_size=80)
)
def test_matching_form_rewrites_exactly_the_words_with_a_letter(text: str) -> None:
    assert matching_form(text) == _matching_form_word_by_word(text)


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
