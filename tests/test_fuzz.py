"""Property-based fuzzing of the whole API from its own OpenAPI document (schemathesis, WSGI, bounded)."""

from __future__ import annotations

from typing import Any

import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from service import auth
from service.extensions import db

EXAMPLES_PER_OPERATION = 6
# What the issue asks: no 5xx, and status, content type and body as documented. (An opaque cursor cannot be
# described in OpenAPI, so "every schema-valid request is accepted" is not a property this API can have.)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def test_api_never_answers_5xx_and_matches_its_spec(app: Flask) -> None:
    with app.app_context():
        issued = auth.create_token("fuzz", auth.Role.ADMIN, actor="test")
        db.session.remove()
    headers = {"Authorization": f"Bearer {issued.secret}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    failures: dict[str, str] = {}
    tested = 0
    for result in schema.get_all_operations():
        operation = result.ok()

        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        @given(case=operation.as_strategy())
        def run(case: Any) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            run()
        except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - collect every operation's failure
            failures[operation.label] = str(exc)[:2000]
        tested += 1
    assert tested >= 20
    assert not failures, "\n\n".join(f"{label}:\n{message}" for label, message in failures.items())
