"""Rule preview: how many recent comments each banned or suspect term would have hit, with examples."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from service.extensions import db
from service.records import Comment, utcnow
from service.rules import matched_terms

# Enough history for a month of a regional site; beyond it only the newest comments are looked at.
MAX_COMMENTS = 20000
EXCERPT_CHARACTERS = 160


def excerpt(body: str, limit: int = EXCERPT_CHARACTERS) -> str:
    """The start of a body, cut on a character boundary, for example lists."""
    return body if len(body) <= limit else body[: limit - 1] + "…"


def preview_terms(terms: Sequence[str], days: int = 30, examples: int = 3) -> dict[str, Any]:
    """Per term: comments of the last `days` days it matches (as the rules match: whole words, folded), with
    up to `examples` newest examples each."""
    wanted = [term.strip() for term in terms if term.strip()]
    hits: dict[str, dict[str, Any]] = {term: {"term": term, "hits": 0, "examples": []} for term in wanted}
    since = utcnow() - timedelta(days=days)
    rows = db.session.execute(
        select(Comment.id, Comment.body, Comment.status)
        .where(Comment.created_at >= since)
        .order_by(Comment.id.desc())
        .limit(MAX_COMMENTS)
    ).all()
    for comment_id, body, status in rows:
        for term in matched_terms(body, wanted) if wanted else []:
            entry = hits[term]
            entry["hits"] += 1
            if len(entry["examples"]) < examples:
                entry["examples"].append({"id": comment_id, "status": status, "excerpt": excerpt(body)})
    return {"days": days, "comments_checked": len(rows), "terms": list(hits.values())}
