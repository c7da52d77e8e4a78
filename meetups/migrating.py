"""Flask-Migrate, set up on first use: web workers never migrate, and importing it
(alembic, mako, pygments) costs each worker some 20 MB.

`app.extensions["migrate"]` and the `db` command stand in for Flask-Migrate's own
until first used, then hand over to them, so `flask db …`, `flask_migrate.upgrade()`
and migrations/env.py work as if Flask-Migrate had been set up with the app.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from flask import Flask
    from flask_sqlalchemy import SQLAlchemy

COMMAND = "db"


def init_app(app: Flask, db: SQLAlchemy, directory: str) -> None:
    """What `Migrate(app, db, directory=directory, render_as_batch=True)` does, deferred."""
    record = LazyMigrateConfig(app, db, directory)
    app.extensions["migrate"] = record
    app.cli.add_command(LazyDbGroup(record))


class LazyMigrateConfig:
    """Stands for Flask-Migrate's record in `app.extensions`: the first attribute read sets
    Flask-Migrate up (which replaces this record) and is answered by the real record."""

    __slots__ = ("_app", "_db", "_directory", "_lock")

    def __init__(self, app: Flask, db: SQLAlchemy, directory: str) -> None:
        self._app = app
        self._db = db
        self._directory = directory
        self._lock = threading.Lock()

    def load(self) -> Any:
        """Flask-Migrate's own record for the app, set up if not yet."""
        with self._lock:
            if self._app.extensions.get("migrate") is self:
                from flask_migrate import Migrate

                Migrate(self._app, self._db, directory=self._directory, render_as_batch=True)
            return self._app.extensions["migrate"]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.load(), name)


class LazyDbGroup(click.Group):
    """Flask-Migrate's `db` command group, imported when a `db` command is run or listed."""

    def __init__(self, record: LazyMigrateConfig) -> None:
        super().__init__(COMMAND, help="Perform database migrations.")
        self._record = record

    def real(self) -> click.Group:
        self._record.load()
        from flask_migrate.cli import db

        return db

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        # The real group parses and runs the command, its own options (-d, -x) included.
        return self.real().make_context(info_name, args, parent, **extra)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return self.real().list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return self.real().get_command(ctx, cmd_name)

    def to_info_dict(self, ctx: click.Context) -> dict[str, Any]:
        return self.real().to_info_dict(ctx)
