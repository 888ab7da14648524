"""Request input bounds: ids in paths stay within the database's integer range, and JSON nesting cannot crash."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.json.provider import DefaultJSONProvider
from werkzeug.routing import IntegerConverter, Map

from service.records import MAX_INTEGER


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


def init_inputs(app: Flask) -> None:
    """Install the bounded converter and JSON provider; call before the blueprints register their routes."""
    app.url_map.converters["int"] = BoundedIntegerConverter
    app.json = BoundedJSONProvider(app)
