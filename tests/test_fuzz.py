"""Property-based fuzzing of the whole API from its own OpenAPI document (schemathesis, WSGI, bounded)."""

from __future__ import annotations

import os
import subprocess
import threading
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from werkzeug.serving import make_server

from service import auth
from service.extensions import db
from service.web.openapi import BLANK_RANGES

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES_PER_OPERATION = 6
# In-process and quick: no 5xx, and status, content type and body as documented. Every check and phase (every
# schema-valid request accepted, every invalid one refused) runs in the CLI test below.
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


# The schemathesis command line with every check and every phase (examples, coverage, fuzzing, stateful), against the
# app served over HTTP. Bounded: a fixed seed and a few examples per operation.
CLI_EXAMPLES = 5
# Refusing an invalid request as too large is a refusal too; schemathesis' default list lacks 413.
# One rule the document can state only in words: reject_at may not be below publish_below (and a category's
# reject_at below its hold_at). JSON Schema cannot compare two fields, so for the two operations that take such pairs
# a 422 is an expected answer to a request the schema allows; every other operation must accept what its schema does.
CLI_CONFIG = """
[checks.negative_data_rejection]
expected-statuses = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429"]

[[operations]]
include-path-regex = "^/api/v1/policy(/simulate)?$"
include-method-regex = "^(PATCH|POST)$"
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "403", "404", "409", "422", "429"]
"""


@pytest.fixture
def served(app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()


@pytest.mark.slow
def test_schemathesis_with_every_check_and_phase_finds_nothing(
    app: Flask, served: str, tiny_model: Path, tmp_path: Path
) -> None:
    with app.app_context():
        issued = auth.create_token("fuzz", auth.Role.ADMIN, actor="test")
        db.session.remove()
    config = tmp_path / "schemathesis.toml"
    config.write_text(CLI_CONFIG, encoding="utf-8")
    command = [
        str(ROOT / ".venv/bin/schemathesis") if (ROOT / ".venv/bin/schemathesis").exists() else "schemathesis",
        "--config-file",
        str(config),
        "run",
        f"{served}/api/v1/openapi.json",
        "--checks",
        "all",
        "--phases",
        "examples,coverage,fuzzing,stateful",
        "--max-examples",
        str(CLI_EXAMPLES),
        "--seed",
        "1",
        "--generation-deterministic",
        "--request-timeout",
        "30",
        "-H",
        f"Authorization: Bearer {issued.secret}",
        # Revoking a token by id would sooner or later revoke the fuzzer's own (the stateful phase links the token
        # list to it): every later request would be a 401. test_api_never_answers_5xx_and_matches_its_spec covers it.
        "--exclude-path",
        "/api/v1/tokens/{token_id}",
    ]
    env = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": "tests.fuzz_hooks",
        "MODERATO_FUZZ_MODEL": str(tiny_model),
        "PYTHONPATH": str(ROOT),
    }
    # Run in tmp_path: schemathesis leaves a .schemathesis folder where it runs.
    result = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    (tmp_path / "schemathesis.txt").write_text(result.stdout + result.stderr, encoding="utf-8")
    assert result.returncode == 0, result.stdout[-20000:] + result.stderr[-5000:]


def test_the_blank_ranges_are_exactly_pythons_whitespace_and_format_characters() -> None:
    blank = {c for c in range(0x110000) if chr(c).isspace() or unicodedata.category(chr(c)) == "Cf"}
    assert {c for low, high in BLANK_RANGES for c in range(low, high + 1)} == blank
