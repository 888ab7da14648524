"""Public comment endpoints: post a comment, read an article's published comments."""

from __future__ import annotations

from flask import Blueprint, request, url_for
from flask.typing import ResponseReturnValue

from service import bot_signals, moderation
from service.schemas import (
    CommentCheckOut,
    CommentCreated,
    CommentEdited,
    CommentEditIn,
    CommentIn,
    CommentPage,
    FormToken,
    PageArgs,
    PublishedComment,
)
from service.web import intake
from service.web.context import secret

bp = Blueprint("comments", __name__)
# Built once: a schema instance holds no per-request state, and building one costs more than using it.
COMMENT_IN = CommentIn()
COMMENT_CREATED = CommentCreated()


@bp.post("/api/v1/comments")
def create_comment() -> ResponseReturnValue:
    """Accept a reader comment, score it and publish, queue or hold it."""
    submission = intake.accept_comment(COMMENT_IN.load(request.get_json()))
    body = COMMENT_CREATED.dump(submission)
    return body, 201, {"Location": url_for("comments.get_comment", comment_id=submission.comment_id)}


@bp.get("/api/v1/form-token")
def form_token() -> ResponseReturnValue:
    """A fresh single-use comment-form token for a page script (the page form carries one already)."""
    return FormToken().dump({"form_token": bot_signals.issue_form_token(secret())}), 200, {"Cache-Control": "no-store"}


@bp.post("/api/v1/comments/check")
def check_comment() -> ResponseReturnValue:
    """The nudge before posting: would this comment be held or rejected, and which words drove it (stores nothing)."""
    return CommentCheckOut().dump(intake.check_comment(COMMENT_IN.load(request.get_json())))


@bp.post("/api/v1/comments/<int:comment_id>/edit")
def edit_comment(comment_id: int) -> ResponseReturnValue:
    """The author edits their comment within the edit window, with its edit token; it is decided again."""
    return CommentEdited().dump(intake.edit_comment(comment_id, CommentEditIn().load(request.get_json())))


@bp.get("/api/v1/comments/<int:comment_id>")
def get_comment(comment_id: int) -> ResponseReturnValue:
    """A single published comment."""
    return PublishedComment().dump(moderation.published_comment(comment_id))


@bp.get("/api/v1/articles/<path:article_id>/comments")
def list_article_comments(article_id: str) -> ResponseReturnValue:
    """An article's published comments, oldest first, one page at a time."""
    args = PageArgs().load(request.args.to_dict())
    items, next_cursor = moderation.published_comments(article_id, args["limit"], args["cursor"])
    return CommentPage().dump({"items": items, "next_cursor": next_cursor})
