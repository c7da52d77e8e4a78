"""`/healthz` for load balancers: is this worker able to serve, and which version is it?

One cheap query (`SELECT 1`) proves the database answers, and another that its
schema is at the latest migration (a worker deployed before `db upgrade` would
fail on the first page that needs a new column); the answer names the IANA time
zone release the worker computes with, so that a worker left running on an older
one after `make tzdata` is easy to spot. A failure is a 503 with
a short reason, never a stack trace or a 500, so that a load balancer takes the
worker out of rotation and a person reading the answer learns what is wrong. The
answer is never cached, sets no cookie and is not rate limited: probes come often,
from a few addresses.
"""

from __future__ import annotations

import functools
from importlib.metadata import PackageNotFoundError, version

import sqlalchemy as sa
from flask import Blueprint, Response, current_app, jsonify

from meetups import zone_database
from meetups.extensions import db, limiter
from meetups.migration_heads import heads

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@limiter.exempt
def healthz() -> tuple[Response, int]:
    reason = _database_problem()
    if reason:
        body, status = {"status": "error", "database": reason}, 503
    else:
        body = {
            "status": "ok",
            "database": "ok",
            "version": app_version(),
            "time_zones": zone_database.release(),
        }
        status = 200
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response, status


def _database_problem() -> str | None:
    """None when the database answers and is migrated; else a few words saying why not."""
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError as error:
        db.session.rollback()
        reason = _reason(error)
        current_app.logger.warning("healthz: database %s: %s", reason, _first_line(error))
        return reason
    try:
        at = set(db.session.scalars(sa.text("SELECT version_num FROM alembic_version")))
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        at = set()
    if at != heads():
        current_app.logger.warning("healthz: database at %s, not %s", sorted(at), sorted(heads()))
        return "not migrated"
    return None


@functools.cache
def app_version() -> str:
    """The installed package's version (pyproject.toml), read once per process."""
    try:
        return version("meetups")
    except PackageNotFoundError:
        return "unknown"


def _reason(error: sa.exc.SQLAlchemyError) -> str:
    """A few words for the load balancer's log; details stay in ours."""
    if isinstance(error, sa.exc.OperationalError | sa.exc.InterfaceError):
        return "unreachable"
    if isinstance(error, sa.exc.TimeoutError):
        return "no free connection"
    return "error"


def _first_line(error: Exception) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]
