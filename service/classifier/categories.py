"""Category labels (threat, hate, insult, obscene) read from each public source's fine-grained annotations.

A source that does not annotate a category gives its rows no label for it (``UNLABELLED``), never a negative: a
Davidson tweet is not "no threat" just because Davidson never asked its annotators about threats. Each category's
model is therefore trained only on the rows of the sources that label it (pipeline.fit_pipeline masks the rest).
Rows whose annotation is ambiguous for a category (e.g. CAD's affiliation-directed abuse for hate) are unlabelled too.
"""

from __future__ import annotations

from collections.abc import Callable

from service.classifier.datasets import Row

THREAT = "threat"
HATE = "hate"
INSULT = "insult"
OBSCENE = "obscene"
# The category targets beside needs-moderation, abuse and spam, in output order.
CATEGORY_TARGETS: tuple[str, ...] = (THREAT, HATE, INSULT, OBSCENE)
UNLABELLED = -1
# A category is trained for a language only with at least this many labelled positives (and negatives): below it
# neither the 3-fold calibration nor any AUC means anything, and the card says the category was left out.
MIN_CATEGORY_POSITIVES = 20

Rule = Callable[[tuple[str, ...]], int]


def _flag(name: str) -> Rule:
    """1 when the row carries the annotation, else 0 (the source labels every row for it)."""
    return lambda labels: int(name in labels)


def _cad_hate(labels: tuple[str, ...]) -> int:
    if "IdentityDirectedAbuse" in labels:
        return 1
    # Abuse of an affiliation (a party, a movement) may or may not be a sect's: neither positive nor negative.
    return UNLABELLED if "AffiliationDirectedAbuse" in labels else 0


def _osact2022_insult(labels: tuple[str, ...]) -> int:
    # OSACT 2022 has no insult column: offensive with no hate, vulgarity or violence is (mostly) insult; offensive
    # rows with those labels are left unlabelled rather than called "not an insult".
    if "offensive" not in labels:
        return 0
    return UNLABELLED if any(x.startswith("hate") or x in ("vulgar", "violence") for x in labels) else 1


def _lhsab_insult(labels: tuple[str, ...]) -> int:
    # L-HSAB's "abusive" is insulting language short of hate; its hate rows may or may not insult a person.
    return UNLABELLED if "hate" in labels else int("abusive" in labels)


def _any_hate(labels: tuple[str, ...]) -> int:
    return int(any(x.startswith("hate") for x in labels))


# Per source, per category it annotates: the rule turning the row's fine-grained labels into 1/0/UNLABELLED.
RULES: dict[str, dict[str, Rule]] = {
    "jigsaw": {
        THREAT: _flag("threat"),
        HATE: _flag("identity_hate"),
        INSULT: _flag("insult"),
        OBSCENE: _flag("obscene"),
    },
    "gab": {THREAT: _flag("cv"), HATE: _flag("hd"), OBSCENE: _flag("vo")},
    "cad": {HATE: _cad_hate, INSULT: _flag("PersonDirectedAbuse")},
    "davidson": {HATE: _flag("hate")},
    "osact2022": {THREAT: _flag("violence"), HATE: _any_hate, INSULT: _osact2022_insult, OBSCENE: _flag("vulgar")},
    "osact2020": {HATE: _flag("hate")},
    "l-hsab": {HATE: _flag("hate"), INSULT: _lhsab_insult},
    "mlma": {HATE: _flag("hateful")},
    "aljazeera": {OBSCENE: _flag("obscene")},
    "written": {THREAT: _flag("threat"), HATE: _flag("hate")},
}

# The same rules in words, copied into every model card beside the label mapping.
RULES_TEXT: dict[str, dict[str, str]] = {
    "jigsaw": {
        THREAT: "threat",
        HATE: "identity_hate",
        INSULT: "insult",
        OBSCENE: "obscene",
    },
    "gab": {THREAT: "cv (call for violence)", HATE: "hd (assault on human dignity)", OBSCENE: "vo (vulgarity)"},
    "cad": {
        HATE: "IdentityDirectedAbuse; affiliation-directed abuse without it unlabelled",
        INSULT: "PersonDirectedAbuse (identity/affiliation-directed abuse without it: 0)",
    },
    "davidson": {HATE: "class 0 (hate speech); offensive and neither: 0"},
    "osact2022": {
        THREAT: "VIO",
        HATE: "any of HS1-HS6",
        INSULT: "OFF without HS, VLG or VIO; NOT_OFF: 0; OFF with them unlabelled",
        OBSCENE: "VLG",
    },
    "osact2020": {HATE: "HS"},
    "l-hsab": {HATE: "hate (abusive, normal: 0)", INSULT: "abusive; normal: 0; hate unlabelled"},
    "mlma": {HATE: "sentiment contains hateful"},
    "aljazeera": {OBSCENE: "level -2 (obscene); offensive (-1) and clean: 0"},
    "written": {THREAT: "threat", HATE: "hate"},
}


def category_label(row: Row, category: str) -> int:
    """1, 0, or UNLABELLED when the row's source does not annotate the category (e.g. a site's own decisions)."""
    rule = RULES.get(row.source, {}).get(category)
    return UNLABELLED if rule is None else rule(row.labels)
