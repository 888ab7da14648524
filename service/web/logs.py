"""JSON log lines on stderr (stdout stays the output of CLI commands), each with the request id; never comment text."""

from __future__ import annotations

import json
import logging
import logging.config
import re
import uuid
from datetime import UTC, datetime

from flask import Flask, g, has_request_context, request
from gunicorn import glogging
from werkzeug.wrappers import Response

REQUEST_ID_HEADER = "X-Request-ID"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if has_request_context() and "request_id" in g:
            line["request_id"] = g.request_id
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def configure_logging(level: str) -> None:
    """One stderr handler with JSON lines, configured before the app logger is first used."""
    logging.config.dictConfig(
        {
            "version": 1,
            "disable_existing_loggers": False,
            "formatters": {"json": {"()": JsonFormatter}},
            "handlers": {
                "stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
            },
            "root": {"level": level, "handlers": ["stderr"]},
        }
    )


def register_request_ids(app: Flask) -> None:
    """Take the caller's X-Request-ID (or make one) and echo it, so a log line can be matched to a request."""

    @app.before_request
    def _assign() -> None:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = incoming if 0 < len(incoming) <= 64 and incoming.isprintable() else uuid.uuid4().hex

    @app.after_request
    def _echo(response: Response) -> Response:
        if "request_id" in g:
            response.headers[REQUEST_ID_HEADER] = g.request_id
        return response


# IPv4, and IPv6 with a `::` or at least three colons (so clock times like 07:05:10 stay).
ADDRESS = re.compile(
    r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w.])"
    r"|(?<![\w.:])(?=[0-9A-Fa-f:]*::|(?:[0-9A-Fa-f]{1,4}:){3})[0-9A-Fa-f:]{2,39}(?![\w.:])"
)
REMOVED = "[address removed]"


class AddressScrubber(logging.Filter):
    """Removes every IP address from a gunicorn log line; only the server's own listening address is left alone."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if not message.startswith("Listening at:") and ADDRESS.search(message):
            record.msg, record.args = ADDRESS.sub(REMOVED, message), ()
        return True


class AddressFreeGunicornLogger(glogging.Logger):  # type: ignore[misc]
    """gunicorn's logger (config/gunicorn.conf.py logger_class) with no client address in any line: its warnings
    name the client (`Invalid request from ip=...`); the access format has no %(h)s either."""

    def setup(self, cfg: object) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            log.addFilter(AddressScrubber())
