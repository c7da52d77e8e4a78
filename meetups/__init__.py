"""Meetups: a directory of recurring, informal Open Coffee-style meetups.

The package imports no Flask by itself, so that its domain modules (schedules,
iCalendar, slugs, gazetteer) can be used on their own; `create_app` loads it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from meetups import zone_database

if TYPE_CHECKING:
    from flask import Flask

# Before any module reads a zone: every process computes with the same IANA release.
zone_database.use_packaged_release()


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the Flask application (see `meetups.factory`).

    From a command (`flask --app meetups …`, `meetups …`), a bad setting ends it with
    one line saying what to fix, not a traceback.
    """
    import click

    from meetups.config import ConfigError
    from meetups.factory import create_app as build

    try:
        return build(test_config)
    except ConfigError as error:
        if click.get_current_context(silent=True) is None:
            raise
        raise SystemExit(f"Error: {error}") from None
