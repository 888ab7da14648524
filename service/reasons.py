"""The fixed, documented lists of reason codes: why the machine held a comment, and why a moderator decided."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypedDict


class Reason(TypedDict):
    code: str
    text: str


# The categories a model may score and the policy may set limits for (a model scores a subset of them).
CATEGORIES: tuple[str, ...] = ("threat", "hate", "insult", "obscene", "spam", "abuse")


def categories_that_held(reasons: Iterable[Mapping[str, Any]]) -> list[str]:
    """The categories whose own limit held or rejected a comment (reason codes `category_<name>`), in reason order."""
    prefix = "category_"
    codes = (str(reason.get("code", "")) for reason in reasons)
    return [
        code.removeprefix(prefix)
        for code in codes
        if code.startswith(prefix) and code.removeprefix(prefix) in CATEGORIES
    ]


# Why a comment was not published automatically. Codes are part of the API: add, never rename.
OUTCOME_REASONS: dict[str, str] = {
    "unscored": "The classifier could not score this comment, so a person must review it.",
    "unsupported_language": "The comment is (partly) in a language the classifier does not read, so a person decides.",
    "score_borderline": "The classifier was unsure about this comment.",
    "score_high": "The classifier rated this comment very likely to break the comment policy.",
    "banned_term": "The comment contains a term that is not allowed.",
    "suspect_term": "The comment contains a term that needs a person's review.",
    "too_many_links": "The comment contains more links than allowed without review.",
    "duplicate": "The same or a very similar comment was posted recently.",
    "new_author": "New commenters' first comments are reviewed by a person.",
    "premoderated_article": "Every comment on this article is reviewed by a person.",
    "too_fast": "The form was sent unusually fast.",
    "honeypot": "The form was filled in automatically.",
    "unverified_form": "The comment form could not be verified (missing, expired or reused), so a person reviews it.",
    "audit_sample": "Picked at random so people can check the automatic decisions.",
    "reader_reports": "Readers reported this comment.",
    "category_threat": "The comment may threaten or incite violence.",
    "category_hate": "The comment may attack a group (religion, sect, ethnicity, nationality, gender, sexuality).",
    "category_insult": "The comment may insult a person.",
    "category_obscene": "The comment may be obscene or vulgar.",
    "category_spam": "The comment may be spam.",
    "category_abuse": "The comment may be abusive.",
    "author_history": "Several of this author's recent comments were rejected, so a person reviews their comments.",
}

# Why a moderator approved or rejected a comment (`reason` of a decision).
APPROVE_REASONS: dict[str, str] = {
    "acceptable": "Within the comment policy.",
    "criticism": "Harsh but legitimate criticism.",
    "false_positive": "The machine misread the comment.",
}
REJECT_REASONS: dict[str, str] = {
    "abuse": "Insults, harassment or personal attacks.",
    "hate": "Attacks people for who they are.",
    "threat": "Threatens or incites violence.",
    "spam": "Advertising, scams or repeated posts.",
    "off_topic": "Not about the article.",
    "personal_data": "Shares someone's private information.",
    "illegal": "Unlawful content (e.g. contempt of court, defamation).",
    "other": "Breaks the comment policy in another way.",
}
# The category each reject reason teaches the classifier.
REJECT_REASON_CATEGORY: dict[str, str] = {
    "abuse": "abuse",
    "hate": "abuse",
    "threat": "abuse",
    "spam": "spam",
    "off_topic": "other",
    "personal_data": "other",
    "illegal": "other",
    "other": "other",
}

# Why a reader reports a comment.
REPORT_REASONS: dict[str, str] = {
    "abuse": "Abusive or hateful",
    "spam": "Spam or advertising",
    "off_topic": "Off topic",
    "personal_data": "Shares private information",
    "other": "Something else",
}


def outcome_reason(code: str) -> Reason:
    """A machine-readable code with its plain-language text."""
    return {"code": code, "text": OUTCOME_REASONS[code]}
