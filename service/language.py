"""Language identification of comments: which supported languages a comment is written in, and whether all of it is.

The detector is py3langid (a naive-Bayes byte n-gram model shipped inside its wheel, BSD-3-Clause), loaded once per
process and used read-only, so ``identify`` is safe to call from many threads. ``bench/language_id.py`` compares it
with lingua, CLD2, CLD3, whatlang and langdetect on the shared data sets.

The rule, in order:

1. **Noise out.** URLs, e-mail addresses, @mentions and the ``#`` of hashtags are removed (a hashtag's words stay).
2. **Split by script.** The letters are split into an Arabic-script part, a Latin part and an "other scripts" part
   (Han, Cyrillic, Hebrew, ...). A part's weight is its number of letters (a Han, kana or hangul character counts as
   two, since one carries about a word).
3. **Too little to tell.** A comment with at most ``NEUTRAL_MAX_LETTERS`` letters in all ("👍", "+1", "ok", "لا",
   a bare URL, a number) has no language: ``language="und"``, ``present=()``, ``unsupported=()``, ``neutral`` is
   true. Such a comment is not "in an unsupported language": the service scores it with every model it has and takes
   the stricter outcome. Emoji-only and "ok"/"lol" comments are common and harmless and a person need not read each;
   the link, duplicate and banned-term rules still apply to them. (Three letters are too few to hide a sentence in a
   language no model reads; four already spell insults, so the limit stays at three.)
4. **Each part is identified on its own:**

   - *Arabic script* is "ar" unless the detector, restricted to the Arabic-script languages (Arabic and its dialects,
     Persian, Urdu, Kurdish, Pashto, Uyghur), puts another language first and either the text has a letter Arabic
     never writes (Sorani ڕ ڵ ۆ ێ ە, Urdu ٹ ڈ ڑ ں ے, Persian and Urdu پ ژ or the zero-width non-joiner), or the
     detector is sure (``ARABIC_SCRIPT_OTHER_MIN``), or the text has keheh/Farsi yeh (ک ی) and the detector is fairly
     sure (``ARABIC_SCRIPT_KEYBOARD_MIN``: Arabic typed on a Persian keyboard has those two letters too). Iraqi and
     Gulf Arabic write چ and گ, so those two are no hint.
   - *Latin script* is first checked for Arabizi (Arabic in Latin letters: digits 2 3 5 6 7 9 standing for letters
     inside words, and common Arabizi words): an Arabizi part is "ar-Latn", which no model reads. Otherwise the
     detector is restricted to the Latin-script languages a regional news site sees (``_LATIN_LABELS``). Another
     language with probability at least ``LATIN_OTHER_MIN`` wins. Else the part is "en" when English has at least
     ``ENGLISH_MIN`` (below 0.5 the full model must also not be sure of a language outside that list), or when a short
     part (at most ``SHORT_LATIN_LETTERS`` letters) is made only of common short English replies ("nice", "bruh", "no
     kidding": byte n-grams cannot place those). Anything else is undetermined ("und").
   - *Other scripts* are identified by the full detector (Chinese, Russian, Hebrew, ...).

5. **Mixed comments.** The largest part gives ``language`` and ``confidence``. A part counts (is "meaningful") when it
   is the largest or has at least ``MEANINGFUL_LETTERS`` letters. ``present`` lists the supported languages of the
   meaningful parts, largest first; ``unsupported`` lists the others (ISO 639-1 codes, "ar-Latn" for Arabizi, "und"
   for Latin text the detector cannot place). An undetermined Latin part that is *not* the largest (names, a short
   English phrase in an Arabic comment) is counted as English when English is supported: it then gets scored by the
   English model as well, which can only make the outcome stricter. The service scores a comment with every model in
   ``present`` and takes the stricter outcome; a comment with anything in ``unsupported`` (``covered`` false) goes to
   a person, never to automatic publication.

``language`` is informative (stored, shown, filtered on); choose models from ``present`` and route on ``covered``,
never on ``language`` alone: an Arabizi comment has ``language="ar"`` but no model that can read it.
"""

from __future__ import annotations

import copy
import re
import threading
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import numpy as np

UNDETERMINED = "und"
ARABIZI = "ar-Latn"

NEUTRAL_MAX_LETTERS = 3
MEANINGFUL_LETTERS = 10
ARABIC_SCRIPT_OTHER_MIN = 0.9
ARABIC_SCRIPT_KEYBOARD_MIN = 0.8
ENGLISH_MIN = 0.15
LATIN_OTHER_MIN = 0.6
OUTSIDE_LATIN_SET_MIN = 0.8
SHORT_LATIN_LETTERS = 20
# Longer parts are identified from their first and last PART_SAMPLE // 2 characters: the answer does not change and
# the time per comment stays bounded (the byte-level detector is linear in the length).
PART_SAMPLE = 320

# py3langid labels, restricted per script; dialect and variant labels fold into one ISO 639-1 code.
_ARABIC_SCRIPT_LABELS = ("ar", "arz", "ary", "fa", "ur", "ps", "ku", "sdh", "ug")
_LATIN_LABELS = ("en", "fr", "de", "es", "it", "pt", "nl", "tr", "ku", "az", "id", "ms", "pl", "sv")
_FOLD = {"arz": "ar", "ary": "ar", "sdh": "ku", "wuu": "zh", "yue": "zh", "nn": "no", "srl": "sr"}

_NOISE = re.compile(r"(?:https?://|www\.)\S+|\S+@\S+\.\S+|@\w+|#", re.IGNORECASE)
_ARABIC_RUN = re.compile(r"[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff\u200c]+")
_LATIN_WORD = re.compile(r"[A-Za-z0-9\u00c0-\u024f\u1e00-\u1eff'’]+")
_LETTER = re.compile(r"[^\W\d_]")
# Runs of letters of any script but Latin and Arabic (the \W in a negated class keeps only letters).
_OTHER_RUN = re.compile(
    r"[^\W\d_A-Za-z\u00c0-\u024f\u1e00-\u1eff\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]+"
)
_WIDE = re.compile(r"[\u1100-\u11ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")

# Letters Arabic never writes (Sorani; Urdu; Persian and Urdu pe, zhe, the zero-width non-joiner) and the two that
# Arabic typed on a Persian keyboard also has (keheh, Farsi yeh). Iraqi and Gulf Arabic write چ and گ: no hint.
_NOT_ARABIC_LETTERS = frozenset("ڕڵۆێەۊٹڈڑںےۂۀپژ\u200c")
_KEYBOARD_LETTERS = frozenset("کی")

# Arabizi: a digit standing for a letter inside a word (7aki, ta3mel, 2al, ya5i), but not an English ordinal, time,
# unit or text-speak (2nd, 3am, 5km, 2day, gr8).
_ARABIZI_DIGIT_WORD = re.compile(r"[a-z]*[235679][a-z]{2,}|[a-z]+[235679][a-z]*")
_NOT_ARABIZI = re.compile(
    r"\d+(?:st|nd|rd|th|am|pm|s|k|m|km|kg|mm|cm|mb|gb|min|mins|hr|hrs|yo|yr|yrs|x|d|g|v)|2day|2morrow|2moro|2nite|"
    r"[a-z]+\d+|mp3|mp4|h264|x264|ps[2-5]|b2b|b2c|p2p|f2f|g2g|w3c|y2k|x5|z3",
)
_ARABIZI_WORDS = frozenset(
    """wallah walla wallahi yalla yallah inshallah inshalla insha mashallah habibi habibti ya3ni yaani yani khalas
    khalass akeed shu shou chou esh eish leh lesh laish lech mesh mish msh mush hayda hayde hay hek heik haik keef kif
    kifak kifik izzay ezay ezzay enta ente enti inta inti ana ahl ahla ahlan kteer ktir kter kizb kezb kazzab 7ayawan
    hmar himar kalb wlak wlek yalli illi elli eli ma3 3am 3an 3ala 3al 3ashat tayyeb tayeb mashi bas bass la2 aiwa
    aywa eh ah ya rab rabbi allah yerham y3tik ykhalsna sho shi shy kellon kollo kello kelha kolha men min mn ma fi
    fe bi el al il w wa""".split()
)
# Words that are also common English or Romance words count only beside a strong sign.
_WEAK_ARABIZI_WORDS = frozenset("ah eh ya men min ma fi fe bi el al il w wa ana bas bass shi shy allah".split())
# Short English replies the byte n-gram model cannot place on their own ("nice", "bruh", "no kidding").
_SHORT_ENGLISH = frozenset(
    """a an the i you he she it we they me him her us them my your his its our their this that these those is are was
    were be been am do does did done have has had not no yes yeah yep yup nope ok okay k so and or but if then than
    too very just only really all some any more most what who why how when where which there here of to in on at for
    with by from up out about like as can cant can't could would should will wont won't dont don't didnt didn't isnt
    isn't im i'm thats that's it's its lol lmao lmfao rofl omg wtf wow bruh bro dude man guys mate haha hahaha hehe
    lolol smh tbh imo imho idk ikr fr ngl nice great good bad cool awesome amazing sad funny true false fake real
    right wrong agreed agree disagree exactly indeed correct same thanks thank thx ty please pls plz sorry welcome
    hello hi hey bye yes word legit based cringe stupid idiot idiots moron dumb shame disgusting wow whoa ugh meh
    sure maybe never always again well lie lies liar fact facts love hate damn hell god jesus oh ah eh uh hmm fuck
    fucking shit crap bullshit ass kidding joke spam bot trash garbage brilliant excellent perfect terrible horrible
    article story news comment post video link first last best worst""".split()
)


@dataclass(frozen=True, slots=True)
class LanguageResult:
    """What a comment is written in: best guess, confidence, and which supported languages make it up."""

    language: str
    confidence: float
    present: tuple[str, ...]
    unsupported: tuple[str, ...] = ()

    @property
    def covered(self) -> bool:
        """True when every meaningful part is in a supported language (or the text has no language at all)."""
        return not self.unsupported

    @property
    def neutral(self) -> bool:
        """True for text with too few letters to have a language (emoji, numbers, "ok", a bare URL)."""
        return not self.present and not self.unsupported


@dataclass(frozen=True, slots=True)
class _Part:
    script: str
    text: str
    weight: int


class _Detector:
    """The py3langid model loaded once, with per-script restricted views that share its arrays."""

    def __init__(self) -> None:
        from py3langid.langid import MODEL_FILE, LanguageIdentifier

        full = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        self.arabic = self._restricted(full, _ARABIC_SCRIPT_LABELS)
        self.latin = self._restricted(full, _LATIN_LABELS)
        self.full = full

    @staticmethod
    def _restricted(full: Any, labels: tuple[str, ...]) -> Any:
        """A view of the model over a few labels; its small table is made contiguous float32 for a fast gather."""
        view = copy.copy(full)
        view.set_languages(labels)
        view.nb_ptc = np.ascontiguousarray(view.nb_ptc, dtype=np.float32)
        view.nb_pc = np.ascontiguousarray(view.nb_pc, dtype=np.float32)
        return view

    @staticmethod
    def ranked(identifier: Any, text: str) -> list[tuple[str, float]]:
        """Labels by probability, dialect labels folded into their language."""
        merged: dict[str, float] = {}
        for label, prob in identifier.rank(text):
            code = _FOLD.get(label, label)
            merged[code] = merged.get(code, 0.0) + float(prob)
        return sorted(merged.items(), key=lambda item: item[1], reverse=True)


_detector: _Detector | None = None
_detector_lock = threading.Lock()


def load_detector() -> None:
    """Load the model now (about 2 s) instead of on the first comment; call once at start-up."""
    _get_detector()


def _get_detector() -> _Detector:
    global _detector
    if _detector is None:
        with _detector_lock:
            if _detector is None:
                _detector = _Detector()
    return _detector


def _sample(text: str) -> str:
    if len(text) <= PART_SAMPLE:
        return text
    half = PART_SAMPLE // 2
    return text[:half] + " " + text[-half:]


def split_scripts(text: str) -> list[_Part]:
    """The Arabic-script, Latin and other-script parts of a comment, noise removed, with their letter weights."""
    text = _NOISE.sub(" ", text)
    arabic = " ".join(_ARABIC_RUN.findall(text))
    latin = " ".join(_LATIN_WORD.findall(text))
    arabic_letters = len(_LETTER.findall(arabic))
    latin_letters = len(_LETTER.findall(latin))
    other = " ".join(_OTHER_RUN.findall(text))
    other_weight = len(_LETTER.findall(other)) + len(_WIDE.findall(other))
    parts = [
        _Part("arabic", arabic, arabic_letters),
        _Part("latin", latin, latin_letters),
        _Part("other", other, other_weight),
    ]
    return sorted((p for p in parts if p.weight), key=lambda p: p.weight, reverse=True)


def is_arabizi(text: str) -> bool:
    """True for Latin-letter text that reads as Arabic: digit-letters inside words or several Arabizi words."""
    words = [w.strip("'’") for w in text.lower().split()]
    words = [w for w in words if w]
    if not words:
        return False
    digit_words = sum(1 for w in words if _ARABIZI_DIGIT_WORD.fullmatch(w) and not _NOT_ARABIZI.fullmatch(w))
    strong_words = sum(1 for w in words if w in _ARABIZI_WORDS and w not in _WEAK_ARABIZI_WORDS)
    weak_words = sum(1 for w in words if w in _WEAK_ARABIZI_WORDS)
    strong = digit_words + strong_words
    if strong >= 2:
        return True
    return strong == 1 and (strong + weak_words) * 2 >= len(words)


def _arabic_script(detector: _Detector, text: str) -> tuple[str, float]:
    ranked = detector.ranked(detector.arabic, _sample(text))
    prob_ar = next((p for code, p in ranked if code == "ar"), 0.0)
    best, prob = ranked[0]
    if best == "ar":
        return "ar", prob
    letters = set(text)
    if letters & _NOT_ARABIC_LETTERS or prob >= ARABIC_SCRIPT_OTHER_MIN:
        return best, prob
    if letters & _KEYBOARD_LETTERS and prob >= ARABIC_SCRIPT_KEYBOARD_MIN:
        return best, prob
    return "ar", prob_ar


def _latin_script(detector: _Detector, text: str) -> tuple[str, float]:
    sample = _sample(text)
    if is_arabizi(sample):
        return ARABIZI, 1.0
    ranked = detector.ranked(detector.latin, sample)
    prob_en = next((p for code, p in ranked if code == "en"), 0.0)
    best, prob = ranked[0]
    if best != "en" and prob >= LATIN_OTHER_MIN:
        return best, prob
    short_reply = len(_LETTER.findall(sample)) <= SHORT_LATIN_LETTERS and all(
        w.strip("'’").lower() in _SHORT_ENGLISH for w in sample.split() if w.strip("'’")
    )
    if prob_en < ENGLISH_MIN and not short_reply:
        return UNDETERMINED, prob_en
    if prob_en < 0.5 and not short_reply:
        # A weak English guess among the site's usual languages: make sure the text is not in one outside that set.
        outside, prob_outside = detector.ranked(detector.full, sample)[0]
        if outside not in _LATIN_LABELS and len(outside) == 2 and prob_outside >= OUTSIDE_LATIN_SET_MIN:
            return outside, prob_outside
    return "en", max(prob_en, 0.5) if short_reply else prob_en


def _other_script(detector: _Detector, text: str) -> tuple[str, float]:
    best, prob = detector.ranked(detector.full, _sample(text))[0]
    if len(best) != 2:  # not an ISO 639-1 language (e.g. "zxx", no linguistic content)
        return UNDETERMINED, prob
    return best, prob


def identify(text: str, supported: Collection[str]) -> LanguageResult:
    """Identify the language(s) of a comment; see the module docstring for the rule."""
    parts = split_scripts(text)
    if sum(p.weight for p in parts) <= NEUTRAL_MAX_LETTERS:
        return LanguageResult(UNDETERMINED, 0.0, ())
    detector = _get_detector()
    present: list[str] = []
    unsupported: list[str] = []
    language, confidence = UNDETERMINED, 0.0
    for index, part in enumerate(parts):
        primary = index == 0
        if not primary and part.weight < MEANINGFUL_LETTERS:
            continue
        if part.script == "arabic":
            code, prob = _arabic_script(detector, part.text)
        elif part.script == "latin":
            code, prob = _latin_script(detector, part.text)
        else:
            code, prob = _other_script(detector, part.text)
        if primary:
            language = "ar" if code == ARABIZI else code
            confidence = prob
        if code == UNDETERMINED and not primary and "en" in supported:
            code = "en"
        target = present if code in supported else unsupported
        if code not in target:
            target.append(code)
    return LanguageResult(language, round(confidence, 4), tuple(present), tuple(unsupported))
