"""Reading configuration from the environment Terraform sets, with errors that name the variable."""

from __future__ import annotations

import os
from collections.abc import Mapping


class ConfigError(ValueError):
    """A function's environment is invalid; raised at start-up, the message names the variable."""


def env_str(name: str, default: str | None = None, *, environ: Mapping[str, str] | None = None) -> str:
    """A required string (when `default` is None) or an optional one; blank counts as unset."""
    env = os.environ if environ is None else environ
    value = env.get(name, "").strip()
    if value:
        return value
    if default is None:
        raise ConfigError(f"environment variable {name} is required but not set")
    return default


def env_int(
    name: str,
    default: int,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
    environ: Mapping[str, str] | None = None,
) -> int:
    raw = env_str(name, str(default), environ=environ)
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"environment variable {name} must be a whole number, got {raw!r}") from None
    if minimum is not None and value < minimum:
        raise ConfigError(f"environment variable {name} must be at least {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ConfigError(f"environment variable {name} must be at most {maximum}, got {value}")
    return value


def env_list(name: str, *, environ: Mapping[str, str] | None = None) -> list[str]:
    """A comma-separated list; blank items are dropped."""
    raw = env_str(name, "", environ=environ)
    return [item.strip() for item in raw.split(",") if item.strip()]


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def env_log_level(name: str = "LOG_LEVEL", *, environ: Mapping[str, str] | None = None) -> str:
    """One of LOG_LEVELS (any case), default INFO."""
    level = env_str(name, "INFO", environ=environ).upper()
    if level not in LOG_LEVELS:
        raise ConfigError(f"environment variable {name} must be one of {', '.join(LOG_LEVELS)}, got {level!r}")
    return level
