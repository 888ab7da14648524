"""Request input bounds: ids in paths stay within the database's integer range, JSON nesting cannot crash, and an
oversized chunked body is 413 like an oversized one with a length."""

from __future__ import annotations

from typing import Any

from flask import Flask, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import NotFound, RequestEntityTooLarge
from werkzeug.routing import IntegerConverter, Map

from service.errors import InvalidFields
from service.records import MAX_INTEGER

NUL = "\x00"
NUL_MESSAGE = "Contains control characters that are not allowed: U+0000 (NUL)."


class BoundedIntegerConverter(IntegerConverter):
    """`<int:…>` in a route: an id beyond the columns' range names nothing, so it is a 404, never a database error."""

    def __init__(self, map: Map, fixed_digits: int = 0, min: int | None = None, max: int | None = MAX_INTEGER) -> None:  # noqa: A002 - werkzeug's names
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max)


class BoundedJSONProvider(DefaultJSONProvider):
    """Flask's JSON, except that a body nested too deeply for the parser is invalid JSON (400), not a crash."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            return super().loads(s, **kwargs)
        except RecursionError as exc:
            # Flask turns a ValueError from the parser into 400 Bad Request (get_json) or None (silent=True).
            raise ValueError("JSON nested too deeply") from exc


def optional_json_body() -> Any:
    """The body of an operation that may be sent without one: {} when empty, else its JSON (malformed → 400; any
    non-object, `null` included, is then refused by the schema like every other body)."""
    return request.get_json() if request.get_data(cache=True) else {}


def refuse_oversized_streams() -> None:
    """413 for a body without Content-Length (chunked) that runs past MAX_CONTENT_LENGTH.

    Werkzeug checks the limit against Content-Length; on a chunked body it stops reading at the limit instead, and
    the cut-off JSON was answered 400. Read the body here (cached for the view) and look one byte past the limit."""
    if request.content_length is not None or request.environ.get("wsgi.input_terminated") is not True:
        return
    limit = request.max_content_length
    if limit is None or request.method in ("GET", "HEAD", "OPTIONS"):
        return
    if len(request.get_data(cache=True)) >= limit and request.environ["wsgi.input"].read(1):
        raise RequestEntityTooLarge()


def _holds_nul(value: Any) -> bool:
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_nul(item) for item in value)
    return False


def refuse_nul_characters() -> None:
    """U+0000 anywhere in a request's text is refused up front: PostgreSQL cannot store it or even compare with it, so
    it would otherwise reach the database as an error, on one backend only. A path naming it names nothing (404); a
    query, form or JSON field holding it is a field error (422), named by its top-level field."""
    if any(_holds_nul(value) for value in (request.view_args or {}).values()):
        raise NotFound()
    fields: dict[str, list[str]] = {}
    for source in (request.args, request.form):
        for name, value in source.items(multi=True):
            if NUL in name or NUL in value:
                fields[name.replace(NUL, "")] = [NUL_MESSAGE]
    body = request.get_json(silent=True) if request.is_json else None
    if isinstance(body, dict):
        fields.update(
            {str(k).replace(NUL, ""): [NUL_MESSAGE] for k, v in body.items() if _holds_nul(k) or _holds_nul(v)}
        )
    elif _holds_nul(body):
        fields["_schema"] = [NUL_MESSAGE]
    if fields:
        raise InvalidFields(fields=fields)


def init_inputs(app: Flask) -> None:
    """Install the bounded converter, JSON provider and chunked-body check; call before the blueprints register."""
    app.url_map.converters["int"] = BoundedIntegerConverter
    app.json = BoundedJSONProvider(app)
    app.before_request(refuse_oversized_streams)
    app.before_request(refuse_nul_characters)
