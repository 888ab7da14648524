"""Configuration: config/default.toml, then the file in MODERATO_CONFIG, then MODERATO_* variables, validated once."""

from __future__ import annotations

import json
import os
import secrets
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

# Where config/ and models/ live: the checkout, or MODERATO_HOME when the package is installed elsewhere (Docker).
PROJECT_ROOT = Path(os.environ.get("MODERATO_HOME") or Path(__file__).resolve().parent.parent)
DEFAULT_CONFIG = PROJECT_ROOT / "config" / "default.toml"
ENV_PREFIX = "MODERATO_"


class ConfigError(RuntimeError):
    """The configuration cannot be used; the message says which setting and why."""


class _Section(Schema):
    class Meta:
        unknown = RAISE


class _Database(_Section):
    url = fields.String(required=True)
    pool_size = fields.Integer(required=True, validate=validate.Range(min=1, max=200))
    max_overflow = fields.Integer(required=True, validate=validate.Range(min=0, max=200))
    pool_timeout = fields.Float(required=True, validate=validate.Range(min=0.1))
    pool_recycle = fields.Integer(required=True, validate=validate.Range(min=-1))


class _Model(_Section):
    path = fields.String(required=True, validate=validate.Length(min=1))
    fail_safe = fields.Boolean(required=True)
    refresh_seconds = fields.Float(required=True, validate=validate.Range(min=0.1, max=3600))


class _Redis(_Section):
    url = fields.String(required=True)


class _RateLimits(_Section):
    enabled = fields.Boolean(required=True)
    comments_per_network = fields.String(required=True)
    comments_per_email = fields.String(required=True)
    reports_per_network = fields.String(required=True)
    reads_per_network = fields.String(required=True)


class _Rules(_Section):
    duplicate_window_minutes = fields.Integer(required=True, validate=validate.Range(min=0))


class _Queue(_Section):
    lease_seconds = fields.Integer(required=True, validate=validate.Range(min=5, max=86400))
    max_claim = fields.Integer(required=True, validate=validate.Range(min=1, max=500))


class _Privacy(_Section):
    ip_retention_days = fields.Integer(required=True, validate=validate.Range(min=0))


class _Web(_Section):
    allowed_origins = fields.List(fields.String(), required=True)
    frame_ancestors = fields.List(fields.String(), required=True)
    secure_cookies = fields.Boolean(required=True)
    min_seconds_to_submit = fields.Float(required=True, validate=validate.Range(min=0))
    require_form_token = fields.Boolean(required=True)
    proxy_hops = fields.Integer(required=True, validate=validate.Range(min=0, max=5))


class _Logging(_Section):
    level = fields.String(required=True, validate=validate.OneOf(["DEBUG", "INFO", "WARNING", "ERROR"]))


class SettingsSchema(_Section):
    """Every setting the service reads; unknown keys are an error so typos fail at start."""

    secret_key = fields.String(required=True)
    database = fields.Nested(_Database, required=True)
    model = fields.Nested(_Model, required=True)
    redis = fields.Nested(_Redis, required=True)
    rate_limits = fields.Nested(_RateLimits, required=True)
    # The policy section seeds the first policy version; service.policy validates it with the API's own schema.
    policy = fields.Dict(keys=fields.String(), required=True)
    rules = fields.Nested(_Rules, required=True)
    queue = fields.Nested(_Queue, required=True)
    privacy = fields.Nested(_Privacy, required=True)
    web = fields.Nested(_Web, required=True)
    logging = fields.Nested(_Logging, required=True)

    @validates_schema
    def _check_policy(self, data: dict[str, Any], **_: Any) -> None:
        from service.policy import PolicyDocument

        errors = PolicyDocument(unknown=RAISE).validate(data["policy"])
        if errors:
            raise ValidationError({"policy": errors})


def _merge(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Later settings win key by key; an empty table replaces (clears) the one it overrides."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and value and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError as exc:
        raise ConfigError(f"config file {path} does not exist") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from exc


def _parse_env_value(raw: str) -> Any:
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        return raw


def _env_overrides(settings: dict[str, Any], environ: Mapping[str, str]) -> dict[str, Any]:
    """Map MODERATO_<SECTION>_<KEY> and MODERATO_<KEY> onto the known settings; unknown names are an error."""
    overrides: dict[str, Any] = {}
    ignored = {
        "MODERATO_CONFIG",
        "MODERATO_HOME",
        "MODERATO_INSTANCE_DIR",
        "MODERATO_TEST_REDIS_URL",
        "MODERATO_TEST_CHROMIUM",
        "MODERATO_TEST_DATABASE_URL",
        "MODERATO_BIND",
        "MODERATO_WORKERS",
        "MODERATO_THREADS",
        "MODERATO_MAX_REQUESTS",
    }
    for name, raw in environ.items():
        if not name.startswith(ENV_PREFIX) or name in ignored:
            continue
        key = name[len(ENV_PREFIX) :].lower()
        if key in settings and not isinstance(settings[key], dict):
            overrides[key] = _parse_env_value(raw)
            continue
        for section, values in settings.items():
            if isinstance(values, dict) and key.startswith(section + "_") and key[len(section) + 1 :] in values:
                overrides.setdefault(section, {})[key[len(section) + 1 :]] = _parse_env_value(raw)
                break
        else:
            raise ConfigError(f"environment variable {name} does not name a known setting")
    return overrides


def _flatten_errors(messages: Mapping[str, Any], prefix: str = "") -> list[str]:
    lines: list[str] = []
    for key, value in messages.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping):
            lines.extend(_flatten_errors(value, path + "."))
        else:
            lines.append(f"{path}: {'; '.join(str(v) for v in value)}")
    return lines


def load_settings(
    overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Read and validate the settings in their fixed order; raise ConfigError naming every bad setting."""
    environ = os.environ if environ is None else environ
    settings = _read_toml(DEFAULT_CONFIG)
    if environ.get("MODERATO_CONFIG"):
        settings = _merge(settings, _read_toml(Path(environ["MODERATO_CONFIG"])))
    settings = _merge(settings, _env_overrides(settings, environ))
    settings = _merge(settings, overrides or {})
    try:
        loaded: dict[str, Any] = SettingsSchema().load(settings)
    except ValidationError as exc:
        problems = _flatten_errors(exc.messages if isinstance(exc.messages, dict) else {"config": exc.messages})
        raise ConfigError("invalid configuration:\n  " + "\n  ".join(problems)) from exc
    return loaded


def resolve_path(value: str) -> Path:
    """Paths in settings are relative to the project root, so the service runs from any working directory."""
    path = Path(value)
    return path if path.is_absolute() else PROJECT_ROOT / path


def instance_dir() -> Path:
    """The writable folder for the default SQLite database and the generated secret."""
    path = Path(os.environ.get("MODERATO_INSTANCE_DIR", PROJECT_ROOT / "instance"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def database_url(settings: Mapping[str, Any]) -> str:
    """The configured database URL, or the embedded SQLite default."""
    url = str(settings["database"]["url"])
    if not url:
        return f"sqlite:///{instance_dir() / 'moderato.db'}"
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        # psycopg 3 is the only PostgreSQL driver we ship.
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def secret_key(settings: Mapping[str, Any]) -> str:
    """The configured secret, or one generated once and kept in instance/secret_key for single-host use."""
    if settings["secret_key"]:
        return str(settings["secret_key"])
    path = instance_dir() / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


__all__ = ["ConfigError", "load_settings", "resolve_path", "database_url", "secret_key", "instance_dir"]
