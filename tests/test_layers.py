"""The layers stay visible and one-way: web/routes above the domain, records below it, classifier at the bottom."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

SERVICE = Path(__file__).resolve().parent.parent / "service"
REQUEST_GLOBALS = {"request", "g", "session", "current_app"}
# The only places allowed to read Flask's request/app-context globals.
REQUEST_BOUND = ("web/", "routes/", "app.py", "cli.py")


def _modules(under: Path = SERVICE) -> list[Path]:
    return [p for p in under.rglob("*.py") if "migrations" not in p.parts]


def _imports(path: Path) -> list[tuple[str, list[str]]]:
    found: list[tuple[str, list[str]]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.append((node.module, [alias.name for alias in node.names]))
        elif isinstance(node, ast.Import):
            found.extend((alias.name, []) for alias in node.names)
    return found


def _relative(path: Path) -> str:
    return path.relative_to(SERVICE).as_posix()


def test_only_the_web_layer_routes_app_and_cli_use_flask_request_globals() -> None:
    offenders = [
        f"{_relative(path)} imports {sorted(REQUEST_GLOBALS & set(names))} from flask"
        for path in _modules()
        if not _relative(path).startswith(REQUEST_BOUND)
        for module, names in _imports(path)
        if module == "flask" and REQUEST_GLOBALS & set(names)
    ]
    assert offenders == []


def test_the_domain_never_imports_the_web_layer_or_routes() -> None:
    offenders = [
        f"{_relative(path)} imports {module}"
        for path in _modules()
        if not _relative(path).startswith(REQUEST_BOUND)
        for module, _ in _imports(path)
        if module.startswith(("service.web", "service.routes"))
    ]
    assert offenders == []


def test_the_classifier_imports_nothing_of_the_service_above_it() -> None:
    offenders = [
        f"{_relative(path)} imports {module}"
        for path in _modules(SERVICE / "classifier")
        for module, _ in _imports(path)
        if (module.startswith("service.") and not module.startswith("service.classifier"))
        or module.split(".")[0] in {"flask", "flask_sqlalchemy", "sqlalchemy", "marshmallow"}
    ]
    assert offenders == []


def test_importing_the_training_command_loads_neither_flask_nor_sqlalchemy() -> None:
    probe = (
        "import sys, service.classifier.train; "
        "print(sorted(m for m in ('flask', 'sqlalchemy', 'flask_sqlalchemy') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=SERVICE.parent
    )
    assert result.stdout.strip() == "[]"
