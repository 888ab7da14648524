"""Word and behaviour rules applied after scoring: pure functions that can only tighten an outcome."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from service.reasons import Reason, outcome_reason
from service.status import Status
from service.text import fold_for_matching

STRICTNESS = {Status.PUBLISHED: 0, Status.PENDING: 1, Status.REJECTED: 2}

# Letters from other scripts that look like Latin ones, and digits/symbols used for letters, so "fυck" and
# "sh1t" are matched; applied only for matching, never to the stored text.
LOOKALIKES = str.maketrans(
    {
        "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "і": "i", "ј": "j", "ѕ": "s",
        "α": "a", "ε": "e", "ο": "o", "ρ": "p", "υ": "u", "ι": "i", "κ": "k", "ν": "v", "τ": "t",
        "0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s",
    }
)  # fmt: skip

# Only words that hold a look-alike are rewritten, so most words never reach Python code (a callback for every word
# was a large share of a comment's fingerprint time: bench/NOTES.md). The lookbehind anchors matches at word
# starts, so a match is always a whole word, as with a plain word pattern.
_LOOKALIKE_WORD = re.compile(r"(?<![\w@$])[\w@$]*?[" + re.escape("".join(map(chr, LOOKALIKES))) + r"][\w@$]*")
_LINK = re.compile(
    r"(?:https?://|www\.)\S+|\b[a-z0-9-]{2,}\.(?:com|net|org|info|biz|io|co|ru|xyz|top|shop|click|online|site|ly)\b(?:/\S*)?",
    re.IGNORECASE,
)
# A duplicate must have some substance: "Thanks!" posted twice by two readers is not a campaign.
MIN_DUPLICATE_CHARACTERS = 20
NEAR_DUPLICATE_WORDS = 10
NEAR_DUPLICATE_BITS = 3
BANDS = NEAR_DUPLICATE_BITS + 1
_BIT_POSITIONS = np.arange(64, dtype=np.uint64)


def stricter(current: Status, candidate: Status) -> Status:
    """The stricter of two outcomes: rules may hold or reject, never publish."""
    return candidate if STRICTNESS[candidate] > STRICTNESS[current] else current


def _unleet(word: str) -> str:
    # Only words that contain a letter are de-leeted, so "2024" or "100" stay numbers.
    return word.translate(LOOKALIKES) if any(ch.isalpha() for ch in word) else word


def matching_form(text: str) -> str:
    """The form terms are matched in: NFKC, case-folded, look-alike letters mapped to Latin."""
    folded = fold_for_matching(text)
    return _LOOKALIKE_WORD.sub(lambda m: _unleet(m.group(0)), folded)


@lru_cache(maxsize=64)
def _term_index(terms: tuple[str, ...]) -> tuple[re.Pattern[str] | None, dict[str, list[str]]]:
    """One alternation for all terms (one scan per comment, however long the list) and each form's terms."""
    by_form: dict[str, list[str]] = {}
    for term in terms:
        words = matching_form(term).split()
        if words:
            by_form.setdefault(" ".join(words), []).append(term)
    if not by_form:
        return None, by_form
    alternatives = (
        r"\s+".join(re.escape(word) for word in form.split()) for form in sorted(by_form, key=len, reverse=True)
    )
    # Word boundaries by \w lookarounds, so "Scunthorpe" never matches "cunt".
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)"), by_form


def matched_terms(text: str, terms: Sequence[str]) -> list[str]:
    """The configured terms found in `text` as whole words."""
    pattern, by_form = _term_index(tuple(terms))
    if pattern is None:
        return []
    found: set[str] = set()
    for match in pattern.finditer(matching_form(text)):
        found.update(by_form[" ".join(match.group(0).split())])
    return sorted(found)


def count_links(text: str) -> int:
    """URLs and bare domain names in the text."""
    return len(_LINK.findall(text))


def _simhash(shingles: list[str]) -> int:
    hashes = np.array(
        [int.from_bytes(hashlib.blake2b(shingle.encode(), digest_size=8).digest(), "big") for shingle in shingles],
        dtype=np.uint64,
    )
    bits = (hashes[:, None] >> _BIT_POSITIONS) & np.uint64(1)
    # A bit is set where more shingles have it set than not.
    votes = bits.sum(axis=0, dtype=np.int64) * 2 - len(shingles)
    return int(sum(1 << int(bit) for bit in np.flatnonzero(votes > 0)))


def fingerprint(text: str) -> str | None:
    """A body's repeat fingerprint: a 64-bit SimHash of word trigrams for bodies of NEAR_DUPLICATE_WORDS words or
    more ("s" + hex), an exact hash of the normalised words for shorter ones ("x" + hex, so short texts only match
    exactly: a few shared trigrams would make "Comment 1 on the bridge" and "Comment 2 ..." look alike), and None
    for bodies too short to call a repeat."""
    if len(re.sub(r"\W+", "", text)) < MIN_DUPLICATE_CHARACTERS:
        return None
    words = re.findall(r"\w+", matching_form(text))
    if len(words) < NEAR_DUPLICATE_WORDS:
        return "x" + hashlib.blake2b(" ".join(words).encode(), digest_size=8).hexdigest()
    shingles = [" ".join(words[index : index + 3]) for index in range(len(words) - 2)]
    return f"s{_simhash(shingles):016x}"


def fingerprint_bands(body_fingerprint: str) -> list[str]:
    """Index keys that every near duplicate shares at least one of: the SimHash cut into NEAR_DUPLICATE_BITS + 1
    bands (pigeonhole: that many differing bits leave one band whole); an exact fingerprint is its own key."""
    if body_fingerprint[0] == "x":
        return [body_fingerprint]
    digits = body_fingerprint[1:]
    width = len(digits) // BANDS
    return [f"{band}:{digits[band * width : (band + 1) * width]}" for band in range(BANDS)]


def is_near_duplicate(first: str, second: str) -> bool:
    """Exact for short bodies; within a few SimHash bits (the same text with small edits) for longer ones."""
    if first[0] != second[0]:
        return False
    if first[0] == "x":
        return first == second
    return bin(int(first[1:], 16) ^ int(second[1:], 16)).count("1") <= NEAR_DUPLICATE_BITS


@dataclass(frozen=True)
class RuleInput:
    """What the rules may look at: the text and facts about its author and article."""

    body: str
    article_id: str
    prior_comments_by_author: int
    duplicate_of_recent: bool


@dataclass(frozen=True)
class RuleSettings:
    banned_terms: tuple[str, ...]
    suspect_terms: tuple[str, ...]
    max_links: int
    new_author_hold: int
    premoderated_articles: frozenset[str]


def apply_rules(
    status: Status, reasons: list[Reason], facts: RuleInput, rules: RuleSettings
) -> tuple[Status, list[Reason]]:
    """Tighten the score's outcome with every rule that fires; each adds its reason."""
    reasons = list(reasons)
    fired: list[tuple[Status, str]] = []
    if matched_terms(facts.body, rules.banned_terms):
        fired.append((Status.REJECTED, "banned_term"))
    if matched_terms(facts.body, rules.suspect_terms):
        fired.append((Status.PENDING, "suspect_term"))
    if count_links(facts.body) > rules.max_links:
        fired.append((Status.PENDING, "too_many_links"))
    if facts.duplicate_of_recent:
        fired.append((Status.PENDING, "duplicate"))
    if rules.new_author_hold and facts.prior_comments_by_author < rules.new_author_hold:
        fired.append((Status.PENDING, "new_author"))
    if facts.article_id in rules.premoderated_articles:
        fired.append((Status.PENDING, "premoderated_article"))
    for outcome, code in fired:
        status = stricter(status, outcome)
        reasons.append(outcome_reason(code))
    return status, reasons
