"""A database made for one run and removed after it: the benchmark never reuses data."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

from meetups.config import database_uri


class DatabaseError(RuntimeError):
    """The run's database cannot be made; the message says why and what to do."""


@contextmanager
def fresh_database(url: str | None, scratch: Path) -> Iterator[str]:
    """A new, empty database: an SQLite file in `scratch`, or the one `url` names.

    A database that already exists is refused rather than emptied, so pointing
    the benchmark at real data by mistake costs nothing.
    """
    if url is None:
        yield f"sqlite:///{scratch / 'bench.sqlite3'}"
        return
    parsed = sa.make_url(database_uri(url, str(scratch)))
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        with _sqlite_file(Path(parsed.database or "")):
            yield url
    elif backend == "postgresql":
        with _postgresql_database(parsed):
            yield url
    else:
        raise DatabaseError(f"unsupported database {backend!r}: use SQLite or PostgreSQL")


@contextmanager
def _sqlite_file(path: Path) -> Iterator[None]:
    if not path.name or path.exists():
        raise DatabaseError(f"{path} exists: give the path of a file the benchmark may create")
    try:
        yield
    finally:
        path.unlink(missing_ok=True)


@contextmanager
def _postgresql_database(url: sa.URL) -> Iterator[None]:
    name = url.database
    if not name or name in ("postgres", "template0", "template1"):
        raise DatabaseError("name a database for the benchmark to create, e.g. …/meetups_bench")
    admin = sa.create_engine(
        url.set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool
    )
    quoted = admin.dialect.identifier_preparer.quote(name)
    try:
        with admin.connect() as connection:
            taken = connection.scalar(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            )
            if taken:
                raise DatabaseError(
                    f"database {name} exists; the benchmark only uses one it creates "
                    f"(DROP DATABASE {quoted} if it is a leftover)"
                )
            connection.execute(sa.text(f"CREATE DATABASE {quoted}"))
        try:
            yield
        finally:
            with admin.connect() as connection:
                connection.execute(sa.text(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)"))
    finally:
        admin.dispose()
