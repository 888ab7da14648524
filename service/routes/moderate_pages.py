"""Moderator pages: token sign-in and sign-out, the claimed queue, and the waiting counts the page polls."""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from service import auth, authors, queue
from service.auth import Principal, Role
from service.reasons import APPROVE_REASONS, CATEGORIES, REJECT_REASONS, categories_that_held
from service.records import Comment, utcnow
from service.web import access
from service.web.context import active_policy, live_models, settings

bp = Blueprint("moderate_pages", __name__)

CLAIM_BATCH = 50
# Only the strongest few terms are marked, so the highlights point at what matters instead of every word.
MAX_HIGHLIGHTS = 6


def highlighted(body: str, explanation: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The body cut into plain and highlighted pieces by the explanation's code-point offsets (Python str indices,
    as the scorer made them), for the strongest terms; overlapping or out-of-range items are skipped. The template
    escapes every piece."""
    pieces: list[dict[str, Any]] = []
    position = 0
    strongest = sorted(explanation, key=lambda e: -abs(float(e.get("weight", 0.0))))[:MAX_HIGHLIGHTS]
    for item in sorted(strongest, key=lambda e: (int(e.get("start", 0)), int(e.get("end", 0)))):
        start, end = int(item.get("start", -1)), int(item.get("end", -1))
        if start < position or end <= start or end > len(body):
            continue
        if start > position:
            pieces.append({"text": body[position:start]})
        weight = float(item.get("weight", 0.0))
        pieces.append({"text": body[start:end], "weight": weight, "direction": "up" if weight > 0 else "down"})
        position = end
    if position < len(body):
        pieces.append({"text": body[position:]})
    return pieces


def _card(comment: Comment, parents: dict[int, Comment], actor: str | None = None) -> dict[str, Any]:
    blind = comment.audit_sample and comment.status == "pending"
    parent = parents.get(comment.parent_id) if comment.parent_id else None
    categories = {} if blind else dict(comment.categories or {})
    # Another moderator's live lease: shown in a filtered (unclaimed) view, where deciding it would be refused.
    leased = comment.lease_expires_at is not None and comment.lease_expires_at > utcnow()
    held_by = comment.lease_holder if actor and leased and comment.lease_holder not in (None, actor) else None
    return {
        "comment": comment,
        "score": None if blind else comment.score,
        "categories": sorted(categories.items(), key=lambda kv: -kv[1]),
        "triggered": [] if blind else categories_that_held(comment.reasons or []),
        "pieces": highlighted(comment.body, [] if blind else list(comment.explanation or [])),
        "category_words": {} if blind else category_words(comment.category_explanations or {}),
        "parent": parent,
        "held_by": held_by,
    }


def category_words(explanations: dict[str, list[dict[str, Any]]]) -> dict[str, list[str]]:
    """Per category that held the comment, the few words that raised its score most (those lowering it say little
    about why it was held)."""
    return {
        name: [str(e["term"]) for e in sorted(terms, key=lambda e: -float(e["weight"])) if float(e["weight"]) > 0][
            :MAX_HIGHLIGHTS
        ]
        for name, terms in sorted(explanations.items())
        if name in CATEGORIES
    }


# Language names for badges and the filter; a code not listed is shown as its code.
LANGUAGE_NAMES = {
    "ar": "Arabic",
    "ar-Latn": "Arabizi",
    "de": "German",
    "en": "English",
    "es": "Spanish",
    "fa": "Persian",
    "fr": "French",
    "ku": "Kurdish",
    "tr": "Turkish",
    "und": "undetermined",
    "ur": "Urdu",
}
_LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(-[A-Z][a-z]{3})?$")


def queue_filters(args: dict[str, str]) -> dict[str, Any]:
    """The page's filters from its query string: a language code, a category, and whether only comments that
    category's own limit held count; anything malformed is ignored."""
    language = args.get("language", "")
    category = args.get("category", "")
    return {
        "language": language if _LANGUAGE_CODE.match(language) else None,
        "category": category if category in CATEGORIES else None,
        "triggered": args.get("triggered") == "1" and category in CATEGORIES,
    }


def filter_languages(current: str | None) -> list[dict[str, str]]:
    """The filter's languages: those the serving model scores, those the policy names, undetermined, and the one
    asked for."""
    codes = set(live_models().languages) | set(active_policy().thresholds_by_language) | {"und"}
    if current:
        codes.add(current)
    return [{"code": code, "name": LANGUAGE_NAMES.get(code, code)} for code in sorted(codes)]


def waiting_counts(language: str | None = None) -> dict[str, int]:
    """How many comments wait, by queue status (in one language when given)."""
    return queue.waiting_counts(language)


def signed_in(*roles: Role) -> Principal | None:
    """The page session's user when their role grants one of `roles`."""
    caller = access.session_principal()
    allowed = frozenset().union(*(auth.GRANTS[role] for role in roles))
    return caller if caller is not None and caller.role in allowed else None


def sign_in_page(next_url: str, error: str | None = None, status: int = 200) -> ResponseReturnValue:
    """The token sign-in form (also shown when a signed-in user lacks the role)."""
    return render_template("sign_in.html", next_url=next_url, error=error, csrf_token=access.csrf_token()), status


@bp.get("/moderate")
def moderate() -> ResponseReturnValue:
    """The moderator's claimed queue, ready for the keyboard. Reading it changes nothing: the items shown are those
    the caller already holds; claiming is the page's POST (a state change on GET would be reachable cross-site)."""
    caller = signed_in(Role.MODERATOR)
    if caller is None:
        return sign_in_page(url_for("moderate_pages.moderate"))
    filters = queue_filters(request.args.to_dict())
    filtering = bool(filters["language"] or filters["category"])
    limit = min(CLAIM_BATCH, settings()["queue"]["max_claim"])
    matching = None
    if filtering:
        # The queue API's filters list without claiming (claims take the oldest items, whatever they are): a card
        # another moderator holds says so, and deciding it is refused until their lease ends.
        category = None if filters["triggered"] else filters["category"]
        reason = f"category_{filters['category']}" if filters["triggered"] else None
        wanted = queue.QueueFilter(language=filters["language"], category=category, reason=reason)
        items, matching = queue.list_queue(wanted, "oldest", limit, 0, active_policy())
    else:
        items = queue.leased_to(caller, limit)
    records = authors.summaries((item.author_key for item in items), active_policy())
    # Every parent in one query, not one per card.
    parents = queue.comments_by_id({item.parent_id for item in items if item.parent_id})
    return render_template(
        "moderate.html",
        principal=caller,
        cards=[{**_card(item, parents, caller.actor), "author": records.get(item.author_key or "")} for item in items],
        counts=waiting_counts(),
        filters=filters,
        filtering=filtering,
        matching=matching,
        filter_languages=filter_languages(filters["language"]),
        claim_batch=limit,
        categories=CATEGORIES,
        language_names=LANGUAGE_NAMES,
        reject_reasons=REJECT_REASONS,
        approve_reasons=APPROVE_REASONS,
        csrf_token=access.csrf_token(),
        is_admin=caller.role == Role.ADMIN,
    )


@bp.post("/moderate")
def claim() -> ResponseReturnValue:
    """Claim (or renew) the caller's next items from the page's form, then show them (post/redirect/get)."""
    caller = signed_in(Role.MODERATOR)
    if caller is None:
        return sign_in_page(url_for("moderate_pages.moderate"), "Sign in again.", 401)
    if not access.csrf_valid(request.form.get("csrf_token")):
        return sign_in_page(url_for("moderate_pages.moderate"), "The form expired. Please try again.", 400)
    limit = min(CLAIM_BATCH, settings()["queue"]["max_claim"])
    queue.claim(caller, limit, settings()["queue"]["lease_seconds"])
    return redirect(url_for("moderate_pages.moderate"), 303)


@bp.get("/moderate/counts.json")
def counts() -> ResponseReturnValue:
    """What waits now; the page polls this."""
    if signed_in(Role.MODERATOR) is None:
        return {"error": {"code": "unauthorized", "message": "Sign in again.", "fields": {}}}, 401
    language = request.args.get("language") or None
    return waiting_counts(language[:8] if language else None)


def _safe_next(value: str | None) -> str:
    # Only our own pages: never an absolute or scheme-relative URL (open redirect).
    return value if value in ("/moderate", "/admin") else "/moderate"


@bp.post("/sign-in")
def sign_in() -> ResponseReturnValue:
    """Exchange a token for a page session (HTTP-only cookie holding the token id)."""
    next_url = _safe_next(request.form.get("next"))
    if not access.csrf_valid(request.form.get("csrf_token")):
        return sign_in_page(next_url, "The form expired. Please sign in again.", 400)
    if access.sign_in(request.form.get("token", "").strip()) is None:
        return sign_in_page(next_url, "That token is not valid or was revoked.", 401)
    return redirect(next_url, 303)


@bp.post("/sign-out")
def sign_out() -> ResponseReturnValue:
    """End the page session."""
    if not access.csrf_valid(request.form.get("csrf_token")):
        return sign_in_page("/moderate", "The form expired. Please try again.", 400)
    access.sign_out()
    return redirect(url_for("moderate_pages.moderate"), 303)
