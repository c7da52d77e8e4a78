"""Who may undo what. No Flask.

Undoing is how vandalism goes away, so moderators, and the volunteers they mark
as trusted, may undo anyone's edit, restore what anyone deleted and put a listing
back to any earlier version. Everyone else undoes only their own changes; the
moderators' review queue catches the rest.
"""

from __future__ import annotations

from typing import Protocol


class Person(Protocol):
    """A signed-in volunteer (`models.User`), as far as these rules look at one."""

    id: int
    trusted: bool

    @property
    def is_moderator(self) -> bool: ...


def undoes_anyones(person: Person) -> bool:
    """Moderators and trusted volunteers: anyone's change, any earlier version."""
    return person.is_moderator or person.trusted


def may_undo(person: Person, author_id: int | None) -> bool:
    """A change (or a deletion) by `author_id`: one's own, or anyone's when trusted."""
    return undoes_anyones(person) or (author_id is not None and author_id == person.id)
