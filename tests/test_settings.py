"""Configuration order (file, MODERATO_CONFIG, environment, overrides) and clear failures."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.settings import ConfigError, database_url, load_settings


def test_defaults_load() -> None:
    settings = load_settings(environ={})
    assert settings["policy"]["publish_below"] < settings["policy"]["reject_at"]
    assert database_url(settings).startswith("sqlite:///")


def test_environment_overrides_file_and_is_json_parsed(tmp_path: Path) -> None:
    config = tmp_path / "site.toml"
    config.write_text('[policy]\nreject_at = 0.8\n[redis]\nurl = "redis://file"\n')
    environ = {"MODERATO_CONFIG": str(config), "MODERATO_POLICY_REJECT_AT": "0.9", "MODERATO_SECRET_KEY": "s3cret"}
    settings = load_settings(environ=environ)
    assert settings["policy"]["reject_at"] == 0.9
    assert settings["redis"]["url"] == "redis://file"
    assert settings["secret_key"] == "s3cret"


def test_overrides_win_over_environment() -> None:
    settings = load_settings({"rate_limits": {"enabled": True}}, environ={"MODERATO_RATE_LIMITS_ENABLED": "false"})
    assert settings["rate_limits"]["enabled"] is True
    assert load_settings(environ={"MODERATO_RATE_LIMITS_ENABLED": "false"})["rate_limits"]["enabled"] is False


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"MODERATO_POLICY_REJECT_AT": "high"}, "policy.reject_at"),
        ({"MODERATO_POLICY_PUBLISH_BELOW": "0.95"}, "reject_at"),
        ({"MODERATO_QUEUE_LEASE_SECONDS": "-1"}, "queue.lease_seconds"),
        ({"MODERATO_NO_SUCH_THING": "1"}, "MODERATO_NO_SUCH_THING"),
        ({"MODERATO_CONFIG": "/nonexistent/moderato.toml"}, "does not exist"),
    ],
)
def test_bad_configuration_fails_with_a_clear_message(environ: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings(environ=environ)


def test_postgres_urls_use_psycopg_3() -> None:
    settings = load_settings(environ={"MODERATO_DATABASE_URL": "postgresql://u@h/db"})
    assert database_url(settings) == "postgresql+psycopg://u@h/db"
