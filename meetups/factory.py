"""The application factory: configuration, extensions, blueprints and commands."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session
from werkzeug.middleware.proxy_fix import ProxyFix

from meetups import config, data_version, migrating
from meetups.extensions import csrf, db, limiter, mail
from meetups.web import front_door

PACKAGE_ROOT = Path(__file__).resolve().parent


def _configured_app(test_config: dict[str, Any] | None) -> Flask:
    app = Flask(
        "meetups",
        instance_relative_config=True,
        template_folder=str(PACKAGE_ROOT / "templates"),
        static_folder=str(PACKAGE_ROOT / "static"),
    )
    app.config.from_mapping(config.load(app.instance_path, test_config))
    _refuse_weak_secret(app)
    return app


def check_settings() -> None:
    """Raise ConfigError for a setting the site cannot run with, without building the site:
    gunicorn's master calls it once, so a bad setting stops it with one line rather than a
    traceback from every worker."""
    _configured_app(None)


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Assemble the application: configuration, extensions, blueprints, commands."""
    app = _configured_app(test_config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    db.init_app(app)
    migrating.init_app(app, db, directory=str(PACKAGE_ROOT / "migrations"))
    csrf.init_app(app)
    mail.init_app(app)

    from meetups import cli
    from meetups.accounts import routes as accounts
    from meetups.api import routes as api
    from meetups.editing import routes as editing
    from meetups.embeds import routes as embeds
    from meetups.feeds import routes as feed_routes
    from meetups.feeds import sequencing
    from meetups.freshness import routes as freshness
    from meetups.moderation import routes as moderation
    from meetups.pages import next_dates, upcoming
    from meetups.pages import routes as pages
    from meetups.seo import routes as search_engines
    from meetups.sync import routes as sync_routes
    from meetups.trips import routes as travel
    from meetups.web import (
        assets,
        fragments,
        frame,
        health,
        http_cache,
        i18n,
        page_cache,
        rate_limits,
        row_ids,
        security_headers,
        sessions,
        templating,
    )

    sequencing.register()
    app.url_map.converters["id"] = row_ids.RowIdConverter
    # First, so that every later hook, error page included, speaks the request's language.
    i18n.init_app(app)
    security_headers.init_app(app)
    sessions.init_app(app)
    templating.init_app(app)
    rate_limits.init_app(app)
    accounts.init_app(app)
    app.register_blueprint(pages.bp)
    app.register_blueprint(travel.bp)
    app.register_blueprint(editing.bp)
    app.register_blueprint(moderation.bp)
    app.register_blueprint(freshness.bp)
    app.register_blueprint(sync_routes.bp)
    app.register_blueprint(health.bp)
    api.init_app(app)
    feed_routes.init_app(app)
    embeds.init_app(app)
    search_engines.init_app(app)
    page_cache.init_app(app)
    http_cache.init_app(app)
    assets.init_app(app)
    fragments.init_app(app)
    frame.init_app(app)
    app.extensions["data_version"] = data_version.DataVersion(app.config["DATA_VERSION_SECONDS"])
    _watch_commits()
    app.extensions["coming_dates"] = upcoming.ComingDates(app.extensions["data_version"])
    app.extensions["next_dates"] = next_dates.NextDates(
        app.config["PAGE_CACHE_BYTES"] // next_dates.SHARE_OF_PAGE_CACHE
    )
    cli.init_app(app)
    _open_front_door(app)
    _trust_proxies(app)
    return app


def _open_front_door(app: Flask) -> None:
    """Visitors' repeated requests are answered before Flask (inside ProxyFix, which sets
    the scheme and host their answers depend on)."""
    size = app.config["FRONT_DOOR_BYTES"]
    if size > 0:
        door = front_door.FrontDoor(
            app.wsgi_app, app.extensions["data_version"], size, limits_reads=_site_wide_limits
        )
        app.wsgi_app = app.extensions["front_door"] = door


def _watch_commits() -> None:
    """After this worker commits a change, its next request sees the new data at once."""
    if not event.contains(Session, "after_flush", data_version.note_writes):
        event.listen(Session, "after_flush", data_version.note_writes)
        event.listen(Session, "after_commit", _data_changed)


def _data_changed(session: Session) -> None:
    if data_version.wrote(session) and has_app_context():
        current_app.extensions["data_version"].invalidate()


def _site_wide_limits() -> bool:
    """Whether a deployer set rate limits on every request, which count reads too."""
    manager = limiter.limit_manager
    return bool(manager.default_limits or manager.application_limits)


def _trust_proxies(app: Flask) -> None:
    """Behind reverse proxies, take visitors' addresses (rate limits count per address)
    and the scheme from the headers the trusted proxies set."""
    hops = app.config["TRUSTED_PROXIES"]
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)


def _refuse_weak_secret(app: Flask) -> None:
    """Outside debug and testing a guessable secret key would let anyone forge sessions."""
    if app.debug or app.testing:
        if not app.config["SECRET_KEY"]:
            app.config["SECRET_KEY"] = "development-only"
        return
    if app.config["SECRET_KEY"] in config.WEAK_SECRET_KEYS:
        raise config.ConfigError(
            "MEETUPS_SECRET_KEY is not set. Set it to a long random value, e.g. "
            "python -c 'import secrets; print(secrets.token_hex(32))'."
        )
