"""Configuration: defaults, then the instance folder, then MEETUPS_* variables.

Values are passed to `create_app`, never read at import time.
"""

from __future__ import annotations

import inspect
import math
import os
import ssl
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

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
    # How long a worker trusts its idea of the data version before asking the database
    # again: other workers' edits show within this many seconds (its own at once).
    "DATA_VERSION_SECONDS": 2.0,
    # Public pages are served to cookie-less visitors from memory until the data changes,
    # and at most this many seconds (so that "next dates" move on); 0 renders every time.
    "PAGE_CACHE_SECONDS": 300,
    # Halved when a shared cache is set and this is not (SHARED_PAGE_CACHE_BYTES).
    "PAGE_CACHE_BYTES": 16 * 1024 * 1024,
    # Redis where workers (and machines) share the pages they render for visitors, e.g.
    # redis://127.0.0.1:6379/1; empty: each worker renders the pages it is asked for.
    "SHARED_CACHE_URL": "",
    # Memory per worker for answering a visitor's repeated request (a kept page, a feed's
    # 304) before Flask's request cycle, counting the kept pages' bodies it holds (shared
    # with the page cache) and each entry's headers and key (some 2 KB); 0 sends every
    # request through Flask. 6 MB holds some 1,300 pages and 1,000 feed polls. 10 MB with
    # a shared cache (SHARED_FRONT_DOOR_BYTES).
    "FRONT_DOOR_BYTES": 6 * 1024 * 1024,
    # How long browsers, proxies and CDNs may show a public page before asking again
    # (never past the end of its time bucket), then how long they may still show it
    # while they ask.
    "PAGE_MAX_AGE": 60,
    "PAGE_STALE_WHILE_REVALIDATE": 300,
    # Visitors whose browser chose the language are redirected to the page's address in
    # it (?lang=fr), so that shared caches keep one copy per language, not per browser.
    "LANGUAGE_IN_ADDRESS": False,
    # Memory for rendered feeds per worker, reused until their data changes. The realistic
    # mix's full feeds all hit in 3 MB; bigger feeds (from about 2,300 meetups) go to files.
    "FEED_CACHE_BYTES": 4 * 1024 * 1024,
    # Where feeds too big for FEED_CACHE_BYTES are kept as files, shared by the workers
    # of one machine (the whole directory's at 100,000 meetups is 70 MB).
    # Empty means: feed-files in the instance folder.
    "FEED_FILES_DIR": "",
    # Memory for each meetup's rendered events per worker: a feed re-rendered after
    # an edit renders only the edited meetups (about 900 bytes a meetup, so some 2,000:
    # a city's feeds; the whole directory's is rendered in full into its file).
    "SERIES_CACHE_BYTES": 2 * 1024 * 1024,
    # Memory for JSON API answers per worker, kept compressed until the data changes
    # (some 3 KB each: the realistic mix's 208 answers take 0.7 MB).
    "API_CACHE_BYTES": 2 * 1024 * 1024,
    # The searchable file of GeoNames towns of 500+ people, from which volunteers add a
    # town the directory has not loaded (`index-towns` builds it; else the first search
    # does). Empty means: towns.sqlite3 in the instance folder.
    "TOWNS_INDEX": "",
    # Extra SQLAlchemy engine options, over those `engine_options` picks for the database.
    "SQLALCHEMY_ENGINE_OPTIONS": {},
    # Map tiles, loaded only when a visitor presses "Show map"; empty hides maps.
    "MAP_TILE_URL": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
    "MAP_ATTRIBUTION": "© OpenStreetMap contributors",
    # Listings unconfirmed for longer than this are shown as such.
    "STALE_AFTER_DAYS": 183,
    # Watchers of a listing not confirmed for this long are asked whether it still happens
    # (`ask-confirmations`); moderators are asked when nobody answered for ESCALATE_AFTER_DAYS.
    "CONFIRM_AFTER_DAYS": 90,
    "ESCALATE_AFTER_DAYS": 30,
    # Following meetups' own calendars (`sync-calendars`): a calendar that fails this many
    # days running, or stops listing the series, has its listing's watchers asked again.
    "SYNC_FAILURE_DAYS": 3,
    # Host names whose private addresses may be fetched (tests, an intranet), comma-separated;
    # any other host must resolve to public addresses only.
    "SYNC_ALLOW_HOSTS": "",
    "SYNC_MAX_BYTES": 2_000_000,
    "SYNC_TIMEOUT_SECONDS": 20.0,
    "SYNC_MAX_REDIRECTS": 3,
    # A PEM file of certificate authorities the sync trusts besides the system's (an
    # intranet calendar server's own CA, the tests'); empty: the system's only.
    "SYNC_CA_FILE": "",
    # Geocoding venue addresses (off: venues get their city's centre, marked approximate).
    "GEOCODER_ENABLED": False,
    "GEOCODER_PROVIDER": "nominatim",
    # Empty means the provider's own service (nominatim.openstreetmap.org for Nominatim).
    "GEOCODER_DOMAIN": "",
    "GEOCODER_SCHEME": "https",
    # Required when enabled: Nominatim's usage policy asks every site to identify itself.
    "GEOCODER_USER_AGENT": "",
    "GEOCODER_TIMEOUT": 5.0,
    # Nominatim's policy: at most one request a second.
    "GEOCODER_MIN_DELAY": 1.0,
    "GEOCODER_API_KEY": "",
    # Served over HTTPS: session and remember-me cookies are then sent over HTTPS only.
    "HTTPS": False,
    # Reverse proxies in front of the app, trusted for X-Forwarded-For and -Proto.
    "TRUSTED_PROXIES": 0,
    # Rate limits (Flask-Limiter strings), per visitor address, or per account for edits.
    "RATELIMIT_ENABLED": True,
    # memory:// counts per worker; several workers share redis://host:port.
    "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_SIGN_IN": "5 per minute;30 per hour",
    "RATELIMIT_SIGN_UP": "5 per hour;20 per day",
    "RATELIMIT_PASSWORD_CHANGE": "5 per minute;30 per hour",
    "RATELIMIT_EDITS": "30 per minute;300 per hour",
    "RATELIMIT_REPORTS": "10 per hour;30 per day",
    "RATELIMIT_PREVIEWS": "60 per minute;600 per hour",
    # Password-reset and confirmation messages, per email address and per visitor address:
    # the forms must not be a way to flood someone's inbox.
    "RATELIMIT_MAIL_PER_ADDRESS": "3 per hour;10 per day",
    "RATELIMIT_MAIL_PER_VISITOR": "10 per hour;50 per day",
    # Outgoing mail (Flask-Mailman reads these). No server: messages go to the log.
    "MAIL_SERVER": "",
    "MAIL_PORT": 25,
    "MAIL_USE_TLS": False,
    "MAIL_USE_SSL": False,
    "MAIL_USERNAME": "",
    "MAIL_PASSWORD": "",
    # Empty means noreply@ the site's domain.
    "MAIL_DEFAULT_SENDER": "",
    # Seconds to wait for the mail server before trying the message again later.
    "MAIL_TIMEOUT": 10.0,
}


class ConfigError(RuntimeError):
    """A setting that the site cannot run with; the message says which and why."""


# A worker's page cache when the workers share one: the front door keeps the most asked
# pages anyway, and another worker's rendering is a Redis read away. In the realistic
# mix a worker's own page hits went from 30% to 24% at 8 MB (the shared cache answered
# the rest), for 7 MB less per worker; without a shared cache, from 53% to 16% (renders).
SHARED_PAGE_CACHE_BYTES = 8 * 1024 * 1024
# And of that, whole pages take half, the front door taking 4 MB more: a door hit skips
# Flask (a twentieth of a page-cache hit's cost), while a page another worker rendered is
# a Redis read away. The realistic mix through gunicorn, three rounds each, alternating:
# 2,450 -> 2,930 req/s (median), worker memory unchanged (138-140 MB).
SHARED_KEPT_PAGES_SHARE = 2
SHARED_FRONT_DOOR_BYTES = 10 * 1024 * 1024


def load(instance_path: str, test_config: dict[str, Any] | None) -> dict[str, Any]:
    """Merge configuration sources in the documented order and derive the rest."""
    given: dict[str, Any] = {}
    instance_file = Path(instance_path) / "config.py"
    if instance_file.exists():
        given.update(_read_pyfile(instance_file))
    given.update(_read_environment(os.environ))
    if test_config:
        given.update(test_config)
    config = {**DEFAULTS, **given}
    # Whole pages' share of the page cache's memory (the rest: cards, articles, dates).
    config["KEPT_PAGES_BYTES"] = config["PAGE_CACHE_BYTES"]
    if config["SHARED_CACHE_URL"] and "PAGE_CACHE_BYTES" not in given:
        config["PAGE_CACHE_BYTES"] = SHARED_PAGE_CACHE_BYTES
        config["KEPT_PAGES_BYTES"] = SHARED_PAGE_CACHE_BYTES // SHARED_KEPT_PAGES_SHARE
    if config["SHARED_CACHE_URL"] and "FRONT_DOOR_BYTES" not in given:
        config["FRONT_DOOR_BYTES"] = SHARED_FRONT_DOOR_BYTES
    config["SQLALCHEMY_DATABASE_URI"] = database_uri(config["DATABASE_URL"], instance_path)
    config["TOWNS_INDEX"] = config["TOWNS_INDEX"] or str(Path(instance_path) / "towns.sqlite3")
    config["SQLALCHEMY_ENGINE_OPTIONS"] = {
        **engine_options(config["SQLALCHEMY_DATABASE_URI"]),
        **config["SQLALCHEMY_ENGINE_OPTIONS"],
    }
    # Derived cookie flags, unless a configuration file sets one itself.
    config = {**cookie_settings(config["HTTPS"]), **config}
    check_geocoder(config)
    check_page_caching(config)
    check_shared_cache(config)
    check_mail(config)
    check_sync(config)
    if not config["MAIL_DEFAULT_SENDER"]:
        config["MAIL_DEFAULT_SENDER"] = f"{config['SITE_NAME']} <noreply@{config['SITE_DOMAIN']}>"
    return config


def check_page_caching(config: Mapping[str, Any]) -> None:
    """A negative number of seconds would make every Cache-Control header invalid."""
    for setting in ("PAGE_CACHE_SECONDS", "PAGE_MAX_AGE", "PAGE_STALE_WHILE_REVALIDATE"):
        if config[setting] < 0:
            raise ConfigError(f"MEETUPS_{setting} must be a number of seconds, 0 or more.")


def check_shared_cache(config: Mapping[str, Any]) -> None:
    """A shared cache the workers cannot use would only slow every page down: say so at start."""
    url = config["SHARED_CACHE_URL"]
    if not url:
        return
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigError(
            f"MEETUPS_SHARED_CACHE_URL must be a Redis address such as "
            f"redis://127.0.0.1:6379/1, not {url!r}."
        )
    try:
        import redis  # noqa: F401
    except ImportError:
        raise ConfigError(
            "MEETUPS_SHARED_CACHE_URL needs the Redis client: pip install 'meetups[redis]'."
        ) from None


def check_mail(config: Mapping[str, Any]) -> None:
    """Refuse at start-up what would make every message fail later, in a worker's log."""
    if config["MAIL_USE_TLS"] and config["MAIL_USE_SSL"]:
        raise ConfigError(
            "MEETUPS_MAIL_USE_TLS and MEETUPS_MAIL_USE_SSL cannot both be on: use SSL for "
            "port 465, TLS (STARTTLS) for port 587."
        )
    if not 0 < config["MAIL_PORT"] < 65536:
        raise ConfigError("MEETUPS_MAIL_PORT must be a port number, e.g. 25, 465 or 587.")
    if config["MAIL_TIMEOUT"] <= 0 or not math.isfinite(config["MAIL_TIMEOUT"]):
        raise ConfigError("MEETUPS_MAIL_TIMEOUT must be a number of seconds above 0.")


def check_sync(config: Mapping[str, Any]) -> None:
    """An unreadable CA file would fail every https calendar later, one by one, on its
    listing's page; better to refuse at start-up, saying which file and why."""
    ca_file = config["SYNC_CA_FILE"]
    if not ca_file:
        return
    try:
        ssl.create_default_context().load_verify_locations(cafile=ca_file)
    except ssl.SSLError:
        raise ConfigError(
            f"MEETUPS_SYNC_CA_FILE: {ca_file} holds no PEM certificate "
            "(-----BEGIN CERTIFICATE-----)."
        ) from None
    except OSError as error:
        raise ConfigError(
            f"MEETUPS_SYNC_CA_FILE: {ca_file} cannot be read ({error.strerror or error})."
        ) from None


def check_geocoder(config: Mapping[str, Any]) -> None:
    """Refuse at start-up what would fail at the first address: Nominatim blocks anonymous use."""
    if config["GEOCODER_TIMEOUT"] <= 0 or not math.isfinite(config["GEOCODER_TIMEOUT"]):
        raise ConfigError("MEETUPS_GEOCODER_TIMEOUT must be a number of seconds above 0.")
    if config["GEOCODER_MIN_DELAY"] < 0 or not math.isfinite(config["GEOCODER_MIN_DELAY"]):
        raise ConfigError("MEETUPS_GEOCODER_MIN_DELAY must be a number of seconds, 0 or more.")
    if not config["GEOCODER_ENABLED"]:
        return
    if not config["GEOCODER_USER_AGENT"].strip():
        raise ConfigError(
            "MEETUPS_GEOCODER_USER_AGENT is required when MEETUPS_GEOCODER_ENABLED is on: "
            "Nominatim's usage policy asks for one naming your site and a contact, e.g. "
            "'meetups.example.org (admin@example.org)'."
        )
    _check_geocoder_provider(config)


# The settings that can fill a geopy geocoder's required arguments.
_GEOCODER_ARGUMENTS = {"api_key": "GEOCODER_API_KEY", "domain": "GEOCODER_DOMAIN"}


def _check_geocoder_provider(config: Mapping[str, Any]) -> None:
    from geopy.exc import GeocoderNotFound
    from geopy.geocoders import get_geocoder_for_service

    provider = config["GEOCODER_PROVIDER"]
    try:
        factory = get_geocoder_for_service(provider)
    except GeocoderNotFound:
        raise ConfigError(
            f"MEETUPS_GEOCODER_PROVIDER: {provider!r} is not a geopy geocoder; "
            "use e.g. nominatim, photon or opencage."
        ) from None
    for name, parameter in inspect.signature(factory).parameters.items():
        if parameter.default is not inspect.Parameter.empty or parameter.kind in (
            inspect.Parameter.VAR_POSITIONAL,
            inspect.Parameter.VAR_KEYWORD,
        ):
            continue
        setting = _GEOCODER_ARGUMENTS.get(name)
        if setting is None:
            raise ConfigError(
                f"MEETUPS_GEOCODER_PROVIDER: the {provider} geocoder needs {name!r}, "
                "which no setting provides; choose another provider."
            )
        if not config[setting]:
            raise ConfigError(f"MEETUPS_{setting} is required by the {provider} geocoder.")


def cookie_settings(https: bool) -> dict[str, Any]:
    """Sign-in cookies that scripts cannot read, cross-site posts do not carry, and
    that travel only over HTTPS when the site is served so."""
    flags = {"HTTPONLY": True, "SAMESITE": "Lax", "SECURE": https}
    settings = {
        f"{cookie}_COOKIE_{flag}": value
        for cookie in ("SESSION", "REMEMBER")
        for flag, value in flags.items()
    }
    # A remembered sign-in on a lost phone should not outlive a month.
    settings["REMEMBER_COOKIE_DURATION"] = timedelta(days=30)
    return settings


def database_uri(url: str, instance_path: str) -> str:
    """SQLAlchemy URL from the user's setting; psycopg 3 for PostgreSQL URLs."""
    if not url:
        return "sqlite:///" + str(Path(instance_path) / "meetups.sqlite3")
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


# Under the idle timeouts of most firewalls, NATs and poolers, so that no pooled
# connection is old enough for one of them to have dropped it silently.
POOL_RECYCLE_SECONDS = 1800
# A database server that does not answer (host down, packets dropped) fails a
# request, and /healthz, in seconds rather than after the kernel's minutes.
CONNECT_TIMEOUT_SECONDS = 10


def engine_options(uri: str) -> dict[str, Any]:
    """Pool options for a database server: connections survive its restarts.

    A pooled connection to PostgreSQL dies when the server restarts or an admin ends
    it; without a check its next request would be a 500. `pool_pre_ping` tests each
    connection as it leaves the pool (one round trip) and replaces a dead one, and
    `pool_recycle` retires old ones first. An SQLite file lives in our own process:
    nothing can drop its connections, so it gets none of this.
    """
    url = make_url(uri)
    if url.get_backend_name() == "sqlite":
        return {}
    options: dict[str, Any] = {"pool_pre_ping": True, "pool_recycle": POOL_RECYCLE_SECONDS}
    if url.get_backend_name() == "postgresql" and "connect_timeout" not in url.query:
        options["connect_args"] = {"connect_timeout": CONNECT_TIMEOUT_SECONDS}
    return options


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
    if isinstance(default, float):
        try:
            return float(value)
        except ValueError:
            raise ConfigError(f"{variable} must be a number, not {value!r}") from None
    if isinstance(default, int):
        try:
            return int(value)
        except ValueError:
            raise ConfigError(f"{variable} must be a whole number, not {value!r}") from None
    return value
