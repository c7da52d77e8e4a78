"""Volunteers saving at the same moment: a row lock for changes, a retry for creations. No Flask.

A change must not work from what its request read before another save of the
same item committed: it would overwrite that save unseen, and its revision's
"before" would be wrong. `lock_row` waits for the other save, then reads afresh.

Two creations can both find a slug (or a new tag) free, then both insert it: the
second breaks a unique constraint. `commit_creation` rolls back and creates
again in a fresh transaction, which now sees the first one's row and picks the
next slug (or reuses the tag). A savepoint would not do: on SQLite, releasing
one opened outside a transaction commits.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from meetups.models import WITH_DELETED, Meetup, Venue
from meetups.texts import N_

T = TypeVar("T")
CREATION_ATTEMPTS = 3
_UNIQUE_VIOLATION = "23505"  # PostgreSQL's SQLSTATE


class CreationConflict(Exception):
    """Others kept taking the slug or tag this creation chose; nothing was saved."""


def lock_row(session: Session, model: type[Venue | Meetup], item_id: int) -> None:
    """Wait for any other save of this item to end, then read it afresh, as saved.

    Writing the row (to its own value) takes its lock on PostgreSQL and the write
    lock on SQLite, both held until commit; unlike SELECT … FOR UPDATE, it works
    on both engines.
    """
    session.execute(
        update(model).where(model.id == item_id).values(updated_at=model.updated_at),
        execution_options={"synchronize_session": False},
    )
    session.expire_all()


def lock_if_live(session: Session, model: type[Venue | Meetup], item_id: int) -> bool:
    """Lock the row as `lock_row` does; whether it is still there and not deleted."""
    lock_row(session, model, item_id)
    query = select(model.deleted_at).where(model.id == item_id).execution_options(**WITH_DELETED)
    row = session.execute(query).one_or_none()
    return row is not None and row.deleted_at is None


def commit_creation(
    session: Session, create: Callable[[], T], attempts: int = CREATION_ATTEMPTS
) -> T:
    """Run `create` and commit; again, from scratch, if a concurrent creation took its slug.

    `create` must add everything it creates afresh each time (a rollback forgets
    it). Raises CreationConflict after `attempts` collisions; other errors pass.
    """
    for _ in range(attempts):
        try:
            created = create()
            session.commit()
        except IntegrityError as error:
            session.rollback()
            if not _breaks_a_unique_constraint(error):
                raise
        else:
            return created
    raise CreationConflict(
        N_(
            "Others were adding the same name or topic at the same moment, so nothing was "
            "saved. Please save again."
        )
    )


def _breaks_a_unique_constraint(error: IntegrityError) -> bool:
    original = error.orig
    return (
        getattr(original, "sqlstate", None) == _UNIQUE_VIOLATION
        or getattr(original, "sqlite_errorname", None) == "SQLITE_CONSTRAINT_UNIQUE"
    )
