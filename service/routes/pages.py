"""Reader pages: the demo article with its comment section (works without JavaScript), /embed.js, and CORS for the
public comment API."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template, request, send_from_directory
from flask.typing import ResponseReturnValue
from marshmallow import ValidationError
from werkzeug.wrappers import Response

from service import bot_signals, moderation
from service.errors import ServiceError
from service.schemas import CommentIn
from service.status import Status
from service.text import BODY_LIMIT, character_count
from service.web import access, intake
from service.web.context import secret, settings

bp = Blueprint("pages", __name__)

DEMO_ARTICLE_ID = "2026/11/harbour-bridge-reopens"
COMMENT_FIELDS = ("author_name", "author_email", "body")
OUTCOME_TITLES = {
    Status.PUBLISHED: "Published",
    Status.PENDING: "Awaiting moderation",
    Status.REJECTED: "Not published",
}
# Public endpoints other sites may call from the browser (the embedded comment section), by endpoint name.
CORS_ENDPOINTS = frozenset({"comments.create_comment", "comments.list_article_comments"})


def _threads(article_id: str) -> list[dict[str, Any]]:
    """Published comments, oldest first, threaded one level: replies hang under their top-level comment."""
    comments, _ = moderation.published_comments(article_id, 100, None)
    by_id: dict[int, dict[str, Any]] = {}
    threads: list[dict[str, Any]] = []
    for comment in comments:
        node = {"comment": comment, "replies": []}
        parent = by_id.get(comment.parent_id) if comment.parent_id else None
        if parent is not None:
            parent["replies"].append(node)
        else:
            by_id[comment.id] = node
            threads.append(node)
    return threads


def _render_article(
    status: int = 200,
    values: dict[str, str] | None = None,
    errors: dict[str, list[str]] | None = None,
    outcome: dict[str, Any] | None = None,
) -> ResponseReturnValue:
    values = values or {}
    reply_to = values.get("parent_id") or request.args.get("reply_to", "")
    html = render_template(
        "article.html",
        article_id=DEMO_ARTICLE_ID,
        threads=_threads(DEMO_ARTICLE_ID),
        values=values,
        errors=errors or {},
        outcome=outcome,
        reply_to=reply_to if reply_to.isdigit() else "",
        form_token=bot_signals.issue_form_token(secret()),
        csrf_token=access.csrf_token(),
        body_limit=BODY_LIMIT,
        characters_left=BODY_LIMIT - character_count(values.get("body", "")),
    )
    return html, status


@bp.get("/demo/article")
def demo_article() -> ResponseReturnValue:
    """A regional-news-style article with its comment section."""
    return _render_article()


def _form_payload() -> dict[str, Any]:
    payload: dict[str, Any] = {name: request.form.get(name, "") for name in COMMENT_FIELDS}
    payload["article_id"] = request.form.get("article_id", DEMO_ARTICLE_ID)
    parent = request.form.get("parent_id", "").strip()
    payload["parent_id"] = int(parent) if parent.isdigit() else (parent or None)
    payload["website"] = request.form.get("website") or None
    payload["form_token"] = request.form.get("form_token") or None
    return payload


@bp.post("/demo/article")
def post_comment_form() -> ResponseReturnValue:
    """The no-JavaScript path: same schema and use case as POST /api/v1/comments, answered with the page."""
    values = {name: request.form.get(name, "") for name in (*COMMENT_FIELDS, "parent_id")}
    if not access.csrf_valid(request.form.get("csrf_token")):
        return _render_article(400, values, {"_form": ["The form expired. Please send it again."]})
    try:
        submission = intake.accept_comment(CommentIn().load(_form_payload()))
    except ValidationError as exc:
        messages = exc.messages if isinstance(exc.messages, dict) else {"_form": exc.messages}
        return _render_article(422, values, {key: list(value) for key, value in messages.items()})
    except ServiceError as exc:
        fields = {key: list(value) for key, value in exc.fields.items()} or {"_form": [exc.message]}
        return _render_article(exc.status, values, fields)
    status = submission.status
    outcome = {
        "status": str(status),
        "title": OUTCOME_TITLES[status],
        "message": submission.message,
        "reasons": submission.public_reasons,
    }
    return _render_article(201, None, None, outcome)


@bp.get("/embed.js")
def embed_js() -> ResponseReturnValue:
    """The comment section for any page: `<div data-moderato-article="ID"></div>` plus this script."""
    static = current_app.static_folder
    assert static is not None
    response: Response = send_from_directory(static, "comments.js", mimetype="text/javascript", max_age=300)
    return response


@bp.after_app_request
def _cors(response: Response) -> Response:
    """Allow the configured origins (and only them) to call the public comment endpoints from the browser."""
    origin = request.headers.get("Origin")
    if origin and request.endpoint in CORS_ENDPOINTS and origin in settings()["web"]["allowed_origins"]:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = "Content-Type"
        response.headers["Access-Control-Max-Age"] = "600"
        response.vary.add("Origin")
    return response
