"""Settings: defaults, OPENGAUGE_* variables and strict parsing."""

from __future__ import annotations

import pytest

from opengauge.server.settings import Settings, SettingsError


def test_defaults() -> None:
    settings = Settings.from_env({})
    assert settings.port == 8080
    assert settings.database_url == "sqlite:///opengauge.db"
    assert settings.base_url == "http://localhost:8080"
    assert settings.token_ttl == 3600
    assert settings.max_body_bytes == 1024 * 1024
    assert settings.client_timeout == 30
    assert settings.access_log is True
    assert settings.log_format == "text"


def test_environment_and_overrides() -> None:
    env = {
        "OPENGAUGE_PORT": "9000",
        "OPENGAUGE_DEMO": "yes",
        "OPENGAUGE_PUBLIC_URL": "https://feedback.example.com/",
        "OPENGAUGE_DATABASE_URL": "postgresql://u@db/og",
        "UNRELATED": "ignored",
    }
    settings = Settings.from_env(env, port=9001, host=None)
    assert settings.port == 9001
    assert settings.host == "127.0.0.1"
    assert settings.demo is True
    assert settings.base_url == "https://feedback.example.com"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"OPENGAUGE_PORT": "eighty"}, "OPENGAUGE_PORT must be a whole number"),
        ({"OPENGAUGE_DEMO": "maybe"}, "OPENGAUGE_DEMO must be true or false"),
        ({"OPENGAUGE_DEFAULT_REGION": "mars"}, "default_region must be one of eu, us, au"),
        ({"OPENGAUGE_PORT": "70000"}, "port must be between 1 and 65535"),
        ({"OPENGAUGE_CLIENT_TIMEOUT": "0"}, "client_timeout must be more than 0"),
        ({"OPENGAUGE_CLIENT_TIMEOUT": "soon"}, "OPENGAUGE_CLIENT_TIMEOUT must be a number"),
        ({"OPENGAUGE_LOG_FORMAT": "xml"}, "log_format must be text or json, not 'xml'"),
        ({"OPENGAUGE_ACCESS_LOG": "loud"}, "OPENGAUGE_ACCESS_LOG must be true or false"),
        ({"OPENGAUGE_DATABASE_URL": "mysql://x"}, "database_url must start with"),
        ({"OPENGAUGE_WORKERS": "0"}, "workers must be at least 1"),
        ({"OPENGAUGE_SQLITE_SYNCHRONOUS": "sometimes"}, "sqlite_synchronous must be"),
    ],
)
def test_bad_values_stop_with_a_clear_message(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        Settings.from_env(env)


def test_rate_limits_default_on_in_memory_and_read_from_the_environment() -> None:
    defaults = Settings.from_env({})
    assert (defaults.auth_failure_limit, defaults.survey_submit_limit) == ("10/minute",) * 2
    assert defaults.rate_limit_url == ""
    env = {
        "OPENGAUGE_RATE_LIMIT_URL": "redis://cache.internal:6379/2",
        "OPENGAUGE_RATE_LIMIT_PREFIX": "staging",
        "OPENGAUGE_AUTH_FAILURE_LIMIT": "5 per 30 seconds",
        "OPENGAUGE_SURVEY_SUBMIT_LIMIT": "",
    }
    settings = Settings.from_env(env)
    assert settings.rate_limit_url == "redis://cache.internal:6379/2"
    assert settings.rate_limit_prefix == "staging"
    assert settings.auth_failure_limit == "5 per 30 seconds"
    assert settings.survey_submit_limit == ""


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"OPENGAUGE_RATE_LIMIT_URL": "memcached://x"}, "rate_limit_url must be empty"),
        ({"OPENGAUGE_AUTH_FAILURE_LIMIT": "ten a minute"}, "auth_failure_limit must be one"),
        ({"OPENGAUGE_AUTH_FAILURE_LIMIT": "0/minute"}, "at least 1"),
        ({"OPENGAUGE_SURVEY_SUBMIT_LIMIT": "1/second;5/hour"}, "survey_submit_limit must be one"),
    ],
)
def test_bad_rate_limits_stop_with_a_clear_message(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        Settings.from_env(env)
