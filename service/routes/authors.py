"""Moderator API on authors: an author's record and recent comments, suspensions and bans."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import Blueprint, request
from flask.typing import ResponseReturnValue

from service import authors, suspensions
from service.auth import Role
from service.records import Comment
from service.schemas import AuthorPage, BanIn, LiftedOut, RestrictionOut, SuspendIn
from service.web.access import principal, require_role
from service.web.context import active_policy

bp = Blueprint("authors", __name__)
_KEY = "<author_key>"


def attach_authors(dumped: Sequence[dict[str, Any]], comments: Sequence[Comment]) -> None:
    """Put each comment's author record beside it (one query for the whole page)."""
    records = authors.summaries((comment.author_key for comment in comments), active_policy())
    for item, comment in zip(dumped, comments, strict=True):
        item["author"] = records.get(comment.author_key) if comment.author_key else None


@bp.get(f"/api/v1/authors/{_KEY}")
@require_role(Role.MODERATOR)
def get_author(author_key: str) -> ResponseReturnValue:
    """An author's record, restrictions and newest comments (any status)."""
    authors.check_key(author_key)
    comments = authors.recent_comments(author_key)
    restrictions = suspensions.history(author_key)
    if not comments and not restrictions:
        raise authors.AuthorNotFound()
    record = authors.summaries([author_key], active_policy())[author_key]
    return AuthorPage().dump({"author": record, "restrictions": restrictions, "comments": comments})


@bp.post(f"/api/v1/authors/{_KEY}/suspension")
@require_role(Role.MODERATOR)
def suspend(author_key: str) -> ResponseReturnValue:
    """Suspend an author for a number of days: their comments get 403 author_suspended until then."""
    authors.check_key(author_key)
    payload = SuspendIn().load(request.get_json())
    row = suspensions.restrict(
        author_key, suspensions.SUSPENSION, principal().actor, payload["reason"], payload["days"]
    )
    return RestrictionOut().dump(row), 201


@bp.delete(f"/api/v1/authors/{_KEY}/suspension")
@require_role(Role.MODERATOR)
def lift_suspension(author_key: str) -> ResponseReturnValue:
    """End an author's suspension now."""
    authors.check_key(author_key)
    lifted = suspensions.lift(author_key, suspensions.SUSPENSION, principal().actor, may_lift_bans=False)
    return LiftedOut().dump({"lifted": lifted})


@bp.post(f"/api/v1/authors/{_KEY}/ban")
@require_role(Role.MODERATOR)
def ban(author_key: str) -> ResponseReturnValue:
    """Ban an author with no end; only an admin can lift it."""
    authors.check_key(author_key)
    payload = BanIn().load(request.get_json())
    row = suspensions.restrict(author_key, suspensions.BAN, principal().actor, payload["reason"])
    return RestrictionOut().dump(row), 201


@bp.delete(f"/api/v1/authors/{_KEY}/ban")
@require_role(Role.ADMIN)
def lift_ban(author_key: str) -> ResponseReturnValue:
    """Lift an author's ban (admins)."""
    authors.check_key(author_key)
    lifted = suspensions.lift(author_key, suspensions.BAN, principal().actor, may_lift_bans=True)
    return LiftedOut().dump({"lifted": lifted})
