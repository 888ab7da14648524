"""The nudge before posting: what would happen to a comment, and which of its words drove it, storing nothing."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from service import moderation, rules, suspensions
from service.errors import ArticleClosed
from service.policy import Policy
from service.reasons import Reason
from service.status import Status

# Reasons the reader can act on by changing the text; the others (new author, duplicate, premoderated article...)
# are no reason to nudge, and are not revealed by the check.
TEXT_REASONS = frozenset({"score_borderline", "score_high", "banned_term", "suspect_term", "too_many_links"})
SCORE_REASONS = frozenset({"score_borderline", "score_high"})
MAX_WORDS = 5


@dataclass(frozen=True)
class Nudge:
    """What the check tells the page: the outcome posting would have now, whether to nudge, why, and which words."""

    status: Status
    nudge: bool
    reasons: list[Reason]
    words: list[dict[str, Any]] = field(default_factory=list)


def _words(body: str, policy: Policy, explanation: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The policy's terms found in the text, then the classifier's strongest words towards "needs moderation"."""
    found: list[dict[str, Any]] = [
        {"term": term, "source": source, "start": None, "end": None}
        for source, terms in (("banned_term", policy.banned_terms), ("suspect_term", policy.suspect_terms))
        for term in rules.matched_terms(body, terms)
    ]
    seen = {word["term"].casefold() for word in found}
    for item in explanation:
        if item["weight"] <= 0 or item["term"].casefold() in seen or len(found) >= MAX_WORDS:
            continue
        seen.add(item["term"].casefold())
        found.append({"term": item["term"], "source": "classifier", "start": item["start"], "end": item["end"]})
    return found[:MAX_WORDS]


def check_comment(
    payload: Mapping[str, Any],
    *,
    scorer: moderation.CommentScorer,
    policy: Policy,
    duplicate_window_minutes: int = 60,
) -> Nudge:
    """Decide a validated comment exactly as posting it now would (same facts, same policy, no audit sample, no
    bot signals) without storing or logging it."""
    if payload["article_id"] in policy.closed_articles:
        raise ArticleClosed()
    suspensions.ensure_may_post(payload.get("author_key"))
    gathered = moderation.gather_facts(
        payload, scorer=scorer, policy=policy, duplicate_window_minutes=duplicate_window_minutes
    )
    decision = moderation.decide_submission(gathered.facts, policy)
    reasons = [reason for reason in decision.reasons if reason["code"] in TEXT_REASONS]
    nudge = decision.status != Status.PUBLISHED and bool(reasons)
    if not nudge:
        return Nudge(decision.status, False, reasons)
    decisive = decision.decisive_score
    # The classifier's words only when its score is what keeps the comment back.
    score_drove = any(reason["code"] in SCORE_REASONS for reason in reasons)
    score = gathered.assessment.scores[decisive] if decisive is not None and score_drove else None
    explanation = [
        {"term": e.term, "weight": e.weight, "start": e.start, "end": e.end}
        for e in (score.explanation if score else [])
    ]
    return Nudge(decision.status, True, reasons, _words(payload["body"], policy, explanation))
