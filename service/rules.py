"""Word and behaviour rules applied after scoring: pure functions that can only tighten an outcome."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import groupby

import numpy as np

from service.reasons import Reason, outcome_reason
from service.status import Status
from service.text import fold_for_matching, has_invisible, invisible_as_spaces

STRICTNESS = {Status.PUBLISHED: 0, Status.PENDING: 1, Status.REJECTED: 2}

# Letters from other scripts (and Latin letters with a stroke, small capitals) that look like Latin ones, so "fυck",
# "кill" and "kıll" are matched; applied only for matching, never to the stored text. The input is already
# case-folded and decomposed (service.text.fold_for_matching), so accented forms need no entry.
LOOKALIKES = str.maketrans(
    {
        "а": "a", "в": "b", "е": "e", "һ": "h", "і": "i", "ј": "j", "к": "k", "ӏ": "l", "м": "m", "н": "h", "о": "o",
        "р": "p", "с": "c", "т": "t", "у": "y", "ү": "y", "х": "x", "ѕ": "s", "ԁ": "d", "ԛ": "q", "ԝ": "w", "ь": "b",
        "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t", "υ": "u",
        "χ": "x", "ω": "w", "ϳ": "j",
        "ı": "i", "ł": "l", "ø": "o", "đ": "d", "ħ": "h", "ŧ": "t", "ƀ": "b", "ɨ": "i", "ɩ": "i", "ɑ": "a", "ɡ": "g",
        "ᴀ": "a", "ʙ": "b", "ᴄ": "c", "ᴅ": "d", "ᴇ": "e", "ғ": "f", "ɢ": "g", "ʜ": "h", "ɪ": "i", "ᴊ": "j", "ᴋ": "k",
        "ʟ": "l", "ᴍ": "m", "ɴ": "n", "ᴏ": "o", "ᴘ": "p", "ʀ": "r", "ꜱ": "s", "ᴛ": "t", "ᴜ": "u", "ᴠ": "v", "ᴡ": "w",
        "ʏ": "y", "ᴢ": "z",
    }
)  # fmt: skip
# Digits and symbols written for letters, read as those letters in words that hold a letter (so "2024" and "100"
# stay numbers). "1" is both i and l ("ki11", "1d10t"): it stays "1" in the text and a term's i or l accepts it.
READ_AS = {"0": "o", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "9": "g", "@": "a", "$": "s", "€": "e"}
LEET = {"i": "1", "l": "1"}
_READ_TABLE = str.maketrans(READ_AS)
_TERM_READ_TABLE = str.maketrans({**READ_AS, "1": "i"})
# Only words that hold such a digit or symbol are looked at, so most words never reach Python code.
_LEET_WORD = re.compile(r"(?<![\w@$€])[\w@$€]*?[03457-9@$€][\w@$€]*")
# "!", "|" and "+" are punctuation at a word's edge ("kill!") and letters inside one ("k!ll", "k|ll", "s+upid").
_INNER_SYMBOLS = str.maketrans({"!": "1", "|": "1", "¡": "1", "+": "7"})
_INNER_SYMBOL = re.compile(r"(?<=[^\W_])[!|¡+]+(?=[^\W_])")
# A word spelt out in three or more single letters ("k i l l", "k.i.l.l", "k-i-l-l", "ك ل ب") is read as one word;
# two single letters ("a b") are left alone.
_LETTER = r"(?:[^\W_]|[@$€!|¡+])"
_SPACER = r"[\s.\-_*·~/]+"
# A letter is single when no letter (or "@", "$", "€") touches it; "!" after one is punctuation ("k i l l!").
_SPACED_LETTERS = re.compile(rf"(?<!\w)(?<![@$€]){_LETTER}(?:{_SPACER}{_LETTER}(?![^\W_]|[@$€])){{2,}}")
_SPACERS = re.compile(_SPACER)

# Arabic clitics: a conjunction (و ف), then a preposition (ب ك ل) or the article (ال, with ب or ك before it; ل + ال
# is written لل), before the word; a plural or dual ending and/or a possessive pronoun after it. Terms of fewer than
# three letters take only the article forms (a bare clitic letter + a two-letter word is too often another word:
# "وكس" is "loss"; "زبون" is "customer").
_ARABIC_LETTER = re.compile("[\u0621-\u064a\u066e-\u06d3]")
_ARABIC_PREFIX = "[وف]?(?:[بك]?ال|لل|[بكل])?"
_ARABIC_ARTICLE = "(?:[وف]?(?:[بك]?ال|لل))?"
_ARABIC_SUFFIX = "(?:ات|ان|ون|ين)?(?:ه|ها|هم|هما|هن|ك|كم|كما|كن|ي|نا)?"
MIN_CLITIC_LETTERS = 3
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


def _read_leet(word: str, table: dict[int, str] = _READ_TABLE) -> str:
    # Only words that contain a letter are read as letters, so "2024" or "100" stay numbers.
    return word.translate(table) if any(char.isalpha() for char in word) else word


# The rules ask for one body's form three times (banned terms, suspect terms, fingerprint).
@lru_cache(maxsize=64)
def matching_form(text: str) -> str:
    """The form terms are matched in: folded (service.text.fold_for_matching), look-alike letters mapped to Latin,
    spelt-out single letters joined, digits and symbols in words with a letter read as letters (READ_AS), and "!",
    "|", "+" inside a word read as the letters they stand for ("1" and "t")."""
    form = fold_for_matching(text)
    if not form.isascii():
        form = form.translate(LOOKALIKES)
    form = _SPACED_LETTERS.sub(lambda m: _SPACERS.sub("", m.group(0)), form)
    form = _LEET_WORD.sub(lambda m: _read_leet(m.group(0)), form)
    if "!" in form or "|" in form or "+" in form or "¡" in form:
        form = _INNER_SYMBOL.sub(lambda m: m.group(0).translate(_INNER_SYMBOLS), form)
    return form


def _written(char: str) -> str:
    return f"[{re.escape(char + LEET[char])}]" if char in LEET else re.escape(char)


def _run_tail(written: str, count: int) -> str:
    """The rest of a run of a term's letter after its first: a single letter matches one or a stretched run of three
    or more ("kiiill"), a double one two or more; so "god" never matches "good" and "ass" never matches "as"."""
    return f"(?:{written}{{2,}})?" if count == 1 else f"{written}+"


def _run_patterns(form: str) -> list[list[str]]:
    """Each word of a term form as the patterns of its letter runs."""
    words = []
    for word in form.split():
        runs = [(_written(char), len(list(run))) for char, run in groupby(word)]
        words.append([written + _run_tail(written, count) for written, count in runs])
    return words


def _is_arabic(form: str) -> bool:
    return _ARABIC_LETTER.match(form) is not None


def _with_clitics(form: str, core: str) -> str:
    if not _is_arabic(form):
        return core
    if len(form.replace(" ", "")) >= MIN_CLITIC_LETTERS:
        return _ARABIC_PREFIX + core + _ARABIC_SUFFIX
    return _ARABIC_ARTICLE + core


def _alternation(forms: list[str]) -> str:
    """The forms as one alternation grouped by their first letter run (a one-level trie). Python's regex engine
    skips an alternative that starts with a literal or a character set on one comparison but enters one that
    starts with a group or an optional part: a flat list of 2000 terms was 20 times slower."""
    buckets: dict[str, list[str]] = {}
    for form in forms:
        words = _run_patterns(form)
        rest = r"\s+".join("".join(runs) for runs in words)[len(words[0][0]) :]
        buckets.setdefault(words[0][0], []).append(rest)
    return "|".join(head + "(?:" + "|".join(rests) + ")" for head, rests in buckets.items())


def term_form(term: str) -> str:
    """A term as it is matched: matching_form(), a digit or symbol in a word with letters read as its letter."""
    return " ".join(_read_leet(word, _TERM_READ_TABLE) for word in matching_form(term).split())


@lru_cache(maxsize=4096)
def _standalone(form: str) -> re.Pattern[str]:
    """The form alone, with its clitics, for telling which term a match is (compiled on a term's first match, so a
    long list costs one compile of the alternation, not one per term)."""
    return re.compile(_with_clitics(form, r"\s+".join("".join(runs) for runs in _run_patterns(form))))


@dataclass(frozen=True)
class _Term:
    form: str
    terms: list[str]  # the configured terms with this form
    needs_letter: bool  # a match must hold a letter (so "101" is not "lol")


@dataclass(frozen=True)
class _TermIndex:
    pattern: re.Pattern[str]
    by_first_character: dict[str, list[_Term]]


@lru_cache(maxsize=64)
def _term_index(terms: tuple[str, ...]) -> _TermIndex | None:
    """One alternation for all terms (one scan per comment, however long the list) and, by the first character a
    match can start with, the terms it may be."""
    by_form: dict[str, list[str]] = {}
    for term in terms:
        form = term_form(term)
        if form:
            by_form.setdefault(form, []).append(term)
    if not by_form:
        return None
    # Longest first, so a multi-word term wins over its first word.
    forms = sorted(by_form, key=len, reverse=True)
    latin = [form for form in forms if not _is_arabic(form)]
    long_arabic = [form for form in forms if _is_arabic(form) and len(form.replace(" ", "")) >= MIN_CLITIC_LETTERS]
    short_arabic = [form for form in forms if _is_arabic(form) and len(form.replace(" ", "")) < MIN_CLITIC_LETTERS]
    alternatives = [_alternation(latin)] if latin else []
    if long_arabic:
        alternatives.append(_ARABIC_PREFIX + "(?:" + _alternation(long_arabic) + ")" + _ARABIC_SUFFIX)
    if short_arabic:
        alternatives.append(_ARABIC_ARTICLE + "(?:" + _alternation(short_arabic) + ")")
    # Word boundaries by \w lookarounds, so "Scunthorpe" never matches "cunt" nor "skill" "kill".
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)")
    by_first_character: dict[str, list[_Term]] = {}
    for form in forms:
        entry = _Term(form, by_form[form], any(char.isalpha() for char in form))
        starts = set(form[0] + LEET.get(form[0], "")) | (set("وفبكلا") if _is_arabic(form) else set())
        for character in starts:
            by_first_character.setdefault(character, []).append(entry)
    return _TermIndex(pattern, by_first_character)


def _find(index: _TermIndex, form: str, found: set[str]) -> None:
    for match in index.pattern.finditer(form):
        span = match.group(0)
        for term in index.by_first_character.get(span[0], []):
            if _standalone(term.form).fullmatch(span) and (
                not term.needs_letter or any(char.isalpha() for char in span)
            ):
                found.update(term.terms)


def matched_terms(text: str, terms: Sequence[str]) -> list[str]:
    """The configured terms found in `text` as whole words (Arabic ones also with clitics attached)."""
    index = _term_index(tuple(terms))
    if index is None:
        return []
    found: set[str] = set()
    _find(index, matching_form(text), found)
    if has_invisible(text):
        # Removed, an invisible character joins a word split by it ("ki\u200bll"); as a space, it separates the
        # words it stood between ("kill\u200bthem").
        _find(index, matching_form(invisible_as_spaces(text)), found)
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
    # Digits and symbols in words with letters read as letters, so "Fr3e g1ft" repeats "free gift".
    words = re.findall(
        r"\w+", " ".join(_read_leet(word, _TERM_READ_TABLE) for word in re.findall(r"[\w@$€]+", matching_form(text)))
    )
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
