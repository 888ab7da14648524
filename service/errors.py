"""The ServiceError family: failures a client can act on, each with its HTTP status and error code."""

from __future__ import annotations

from typing import Any

FieldMessages = dict[str, Any]


class ServiceError(Exception):
    """A failure the client can act on; `status` and `code` become the HTTP response."""

    status = 400
    code = "bad_request"
    message = "The request cannot be processed."

    def __init__(self, message: str | None = None, fields: FieldMessages | None = None) -> None:
        super().__init__(message or self.message)
        self.message = message or self.message
        self.fields = fields or {}


class InvalidFields(ServiceError):
    status = 422
    code = "validation_error"
    message = "Invalid request body."


class NotFound(ServiceError):
    status = 404
    code = "not_found"
    message = "Not found."


class CommentNotFound(NotFound):
    code = "comment_not_found"
    message = "No such comment."


class ArticleClosed(ServiceError):
    status = 403
    code = "article_closed"
    message = "Comments on this article are closed."


class Unauthorized(ServiceError):
    status = 401
    code = "unauthorized"
    message = "A valid API token is required (Authorization: Bearer <token>)."


class Forbidden(ServiceError):
    status = 403
    code = "forbidden"
    message = "Your token's role may not do this."


class Conflict(ServiceError):
    status = 409
    code = "conflict"
    message = "Someone else changed this first."


class ServiceUnavailable(ServiceError):
    status = 503
    code = "unavailable"
    message = "The service is temporarily unavailable; try again shortly."
