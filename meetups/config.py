"""Configuration: defaults, then the instance folder, then MEETUPS_* variables.

Values are passed to `create_app`, never read at import time.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

ENV_PREFIX = "MEETUPS"

# Secrets that must never reach production; `create_app` refuses them there.
WEAK_SECRET_KEYS = frozenset({"", "dev", "change-me", "secret"})

DEFAULTS: dict[str, Any] = {
    "SECRET_KEY": "",
    # Empty means: an SQLite file in the instance folder.
    "DATABASE_URL": "",
    # Used in feed UIDs and absolute links; must stay stable once feeds are public.
    "SITE_DOMAIN": "localhost",
    "SITE_NAME": "Meetups",
    # Public address of the site, for absolute links in feeds and their static export.
    "BASE_URL": "http://127.0.0.1:5000",
    # How often calendar apps are asked to refresh a subscription.
    "FEED_REFRESH_HOURS": 12,
    # Memory for rendered feeds per worker, reused until their data changes.
    "FEED_CACHE_BYTES": 64 * 1024 * 1024,
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    # Map tiles, loaded only when a visitor presses "Show map"; empty hides maps.
    "MAP_TILE_URL": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
    "MAP_ATTRIBUTION": "© OpenStreetMap contributors",
    # Listings unconfirmed for longer than this are shown as such.
    "STALE_AFTER_DAYS": 183,
}


class ConfigError(RuntimeError):
    """A setting that the site cannot run with; the message says which and why."""


def load(instance_path: str, test_config: dict[str, Any] | None) -> dict[str, Any]:
    """Merge configuration sources in the documented order and derive the rest."""
    config = dict(DEFAULTS)
    instance_file = Path(instance_path) / "config.py"
    if instance_file.exists():
        config.update(_read_pyfile(instance_file))
    config.update(_read_environment(os.environ))
    if test_config:
        config.update(test_config)
    config["SQLALCHEMY_DATABASE_URI"] = database_uri(config["DATABASE_URL"], instance_path)
    return config


def database_uri(url: str, instance_path: str) -> str:
    """SQLAlchemy URL from the user's setting; psycopg 3 for PostgreSQL URLs."""
    if not url:
        return "sqlite:///" + str(Path(instance_path) / "meetups.sqlite3")
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _read_pyfile(path: Path) -> dict[str, Any]:
    namespace: dict[str, Any] = {}
    exec(compile(path.read_bytes(), str(path), "exec"), namespace)
    return {key: value for key, value in namespace.items() if key.isupper()}


def _read_environment(environ: os._Environ[str] | dict[str, str]) -> dict[str, Any]:
    prefix = ENV_PREFIX + "_"
    return {
        key[len(prefix) :]: _coerce(key, key[len(prefix) :], value)
        for key, value in environ.items()
        if key.startswith(prefix)
    }


def _coerce(variable: str, key: str, value: str) -> Any:
    """Give a variable the type of its default, so MEETUPS_STALE_AFTER_DAYS=90 is a number."""
    default = DEFAULTS.get(key)
    if isinstance(default, bool):
        if value.lower() not in {"1", "0", "true", "false", "yes", "no", "on", "off"}:
            raise ConfigError(f"{variable} must be true or false, not {value!r}")
        return value.lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        try:
            return int(value)
        except ValueError:
            raise ConfigError(f"{variable} must be a whole number, not {value!r}") from None
    return value
