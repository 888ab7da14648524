"""The one place that turns any error into the JSON error envelope of DESIGN.md."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, current_app, jsonify
from marshmallow import ValidationError
from sqlalchemy.exc import DataError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from werkzeug.exceptions import HTTPException

from service.errors import FieldMessages, ServiceError


def error_response(
    status: int, code: str, message: str, fields: FieldMessages | None = None, details: dict[str, Any] | None = None
) -> Response:
    """Build the single error envelope every endpoint uses; `details` adds an error's own keys (e.g. `until`)."""
    response = jsonify({"error": {"code": code, "message": message, "fields": fields or {}, **(details or {})}})
    response.status_code = status
    if status == 503:
        response.headers["Retry-After"] = "5"
    return response


def _http_code(exc: HTTPException) -> str:
    return (exc.name or "error").lower().replace(" ", "_").replace("'", "")


def register_error_handlers(app: Flask) -> None:
    """Every error, expected or not, leaves as JSON in the DESIGN.md shape: never HTML, never a stack trace."""

    @app.errorhandler(ServiceError)
    def _service_error(exc: ServiceError) -> Response:
        return error_response(exc.status, exc.code, exc.message, exc.fields, getattr(exc, "details", None))

    @app.errorhandler(ValidationError)
    def _validation_error(exc: ValidationError) -> Response:
        messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        return error_response(422, "validation_error", "Invalid request body.", messages)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Response:
        status = exc.code or 500
        messages = {
            400: "The request body is not valid JSON.",
            413: "The request is larger than 64 KiB.",
            415: "Send the request body as JSON (Content-Type: application/json).",
        }
        response = error_response(status, _http_code(exc), messages.get(status, exc.description or "Error."))
        for header in ("Allow", "Retry-After"):
            value = exc.get_response().headers.get(header)
            if value:
                response.headers[header] = value
        return response

    @app.errorhandler(DataError)
    @app.errorhandler(OverflowError)
    def _value_out_of_range(exc: Exception) -> Response:
        # The schemas bound every number they take; this is the net under a value that still reached the database
        # beyond its column (an int64 SQLite cannot bind, an int32 or text length PostgreSQL refuses).
        current_app.logger.warning("value out of range for the database error=%s", type(exc).__name__)
        _discard_broken_session()
        return error_response(400, "value_out_of_range", "A value in the request is out of range.")

    @app.errorhandler(OperationalError)
    @app.errorhandler(PoolTimeoutError)
    def _database_unavailable(exc: Exception) -> Response:
        current_app.logger.error("database unavailable error=%s", type(exc).__name__)
        _discard_broken_session()
        return error_response(503, "database_unavailable", "The database is unavailable; try again shortly.")

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        current_app.logger.exception("unhandled error")
        _discard_broken_session()
        return error_response(500, "internal_error", "Something went wrong on our side; it has been logged.")


def _discard_broken_session() -> None:
    from service.extensions import db

    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the connection may be gone; the pool replaces it on the next request
        current_app.logger.warning("rollback after error failed")
