"""The directory's data version, per worker: has anything changed since we last looked?

Conditional feed requests, cached pages and the coming-dates list all need to
know whether the data changed, and asking costs an aggregate over every meetup
and venue. Each worker asks at most once every `ttl` seconds, and again right
after its own commits; other workers see an edit within `ttl` seconds. Work that
depends only on the data (a feed's version, which feed an address names) is
remembered until the version changes, so a steady stream of 304s costs no query.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import func, select, true
from sqlalchemy.orm import Session

from meetups.models import City, Meetup, Report, Venue
from meetups.stamps import stamp_sum

T = TypeVar("T")


class DataVersion:
    def __init__(
        self, ttl: float, max_memos: int = 100_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl = ttl
        self.max_memos = max_memos
        self._clock = clock
        self._value: tuple | None = None
        self._expires = 0.0
        self._memos: dict[Hashable, Any] = {}
        self._memo_version: tuple | None = None
        self._lock = threading.Lock()

    def current(self, session: Session) -> tuple:
        """A value that changes whenever a meetup or venue is added, edited or deleted,
        or a report is filed or resolved."""
        now = self._clock()
        with self._lock:
            if self._value is not None and now < self._expires:
                return self._value
        value = tuple(session.execute(_VERSION_QUERY).one())
        with self._lock:
            self._value, self._expires = value, now + self.ttl
        return value

    def peek(self) -> tuple | None:
        """The version last read while it is still fresh; None once it is time to ask again."""
        with self._lock:
            if self._value is not None and self._clock() < self._expires:
                return self._value
        return None

    def invalidate(self) -> None:
        """This worker just changed the data: look again on the next request."""
        with self._lock:
            self._value = None

    def memo(self, session: Session, key: Hashable, compute: Callable[[], T]) -> T:
        """`compute()`, remembered until the data version changes."""
        version = self.current(session)
        with self._lock:
            if version != self._memo_version or len(self._memos) >= self.max_memos:
                self._memos.clear()
                self._memo_version = version
            if key in self._memos:
                return self._memos[key]
        value = compute()
        with self._lock:
            if version == self._memo_version:
                self._memos[key] = value
        return value


def changed_at(version: tuple) -> datetime | None:
    """The latest edit a data version records (a page's `Last-Modified`), if any."""
    stamps = [value for value in version if isinstance(value, datetime)]
    return max(stamps, default=None)


def note_writes(session: Session, flush_context: Any) -> None:
    """Remember that this transaction wrote something (an `after_flush` listener)."""
    session.info["wrote"] = True


def wrote(session: Session) -> bool:
    """Whether the transaction just committed wrote anything (for an `after_commit` listener)."""
    return session.info.pop("wrote", False)


# Soft deletes, restores, moves and edits all change updated_at; removals change counts.
# Volunteers' edits touch the venue or meetup they change (a date or a tag, its meetup).
# One aggregate per table, so each is read once (a scalar subquery per value read the
# meetups four times: 15 -> 9 ms at 10,000 meetups, every 2 s in every worker).
_MEETUPS = select(
    func.count(Meetup.id),
    func.max(Meetup.updated_at),
    func.sum(Meetup.id),
    # Changes with every committed edit, whatever the order of commits (see stamps).
    stamp_sum(Meetup.updated_at),
).subquery()
_VENUES = select(
    func.count(Venue.id), func.max(Venue.updated_at), stamp_sum(Venue.updated_at)
).subquery()
# A reloaded gazetteer (cities added, renamed or resized) changes pages too.
_CITIES = select(func.count(City.id), func.sum(City.population)).subquery()
# An open report shows on its meetup's page: filing or resolving one changes pages too.
_REPORTS = select(func.count(Report.id), func.count(Report.resolved_at)).subquery()
_VERSION_QUERY = select(_MEETUPS, _VENUES, _CITIES, _REPORTS).select_from(
    _MEETUPS.join(_VENUES, true()).join(_CITIES, true()).join(_REPORTS, true())
)
