"""Moderator pages: token sign-in and sign-out, the claimed queue, and the waiting counts the page polls."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from service import auth, authors, queue
from service.auth import Principal, Role
from service.reasons import APPROVE_REASONS, REJECT_REASONS
from service.records import Comment
from service.web import access
from service.web.context import active_policy, settings

bp = Blueprint("moderate_pages", __name__)

CLAIM_ON_LOAD = 50
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


def _card(comment: Comment) -> dict[str, Any]:
    blind = comment.audit_sample and comment.status == "pending"
    parent = queue.get_comment(comment.parent_id) if comment.parent_id else None
    categories = {} if blind else dict(comment.categories or {})
    return {
        "comment": comment,
        "score": None if blind else comment.score,
        "categories": sorted(categories.items(), key=lambda kv: -kv[1]),
        "pieces": highlighted(comment.body, [] if blind else list(comment.explanation or [])),
        "parent": parent,
    }


def waiting_counts() -> dict[str, int]:
    """How many comments wait, by queue status."""
    policy = active_policy()
    counts = {}
    for status in ("pending", "reported"):
        _, counts[status] = queue.list_queue(queue.QueueFilter(status=status), "oldest", 1, 0, policy)
    counts["total"] = counts["pending"] + counts["reported"]
    return counts


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
    """The moderator's claimed queue, ready for the keyboard."""
    caller = signed_in(Role.MODERATOR)
    if caller is None:
        return sign_in_page(url_for("moderate_pages.moderate"))
    items = queue.claim(
        caller, min(CLAIM_ON_LOAD, settings()["queue"]["max_claim"]), settings()["queue"]["lease_seconds"]
    )
    records = authors.summaries((item.author_key for item in items), active_policy())
    return render_template(
        "moderate.html",
        principal=caller,
        cards=[{**_card(item), "author": records.get(item.author_key or "")} for item in items],
        counts=waiting_counts(),
        reject_reasons=REJECT_REASONS,
        approve_reasons=APPROVE_REASONS,
        csrf_token=access.csrf_token(),
        is_admin=caller.role == Role.ADMIN,
    )


@bp.get("/moderate/counts.json")
def counts() -> ResponseReturnValue:
    """What waits now; the page polls this."""
    if signed_in(Role.MODERATOR) is None:
        return {"error": {"code": "unauthorized", "message": "Sign in again.", "fields": {}}}, 401
    return waiting_counts()


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
