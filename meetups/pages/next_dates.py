"""Each listed meetup's next date, worked out again only once the date found has begun.

A listing (a city's, a venue's, a topic's page) shows each meetup's next date,
and finding one expands the series from its rule and its moved dates: a tenth
of a rendered city page. The next date from an instant stays the next one until
it begins, so it is kept with the instant it was found at, under the meetup's id
and edit stamp: every edit of its schedule, status or dates moves the stamp on
(`feeds.sequencing`, which feeds' ETags rely on too).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import NamedTuple

from meetups.lru import BytesLRU
from meetups.models import Meetup
from meetups.schedule import Occurrence

# A sixteenth of the pages' memory: some 4,000 meetups' next dates.
SHARE_OF_PAGE_CACHE = 16
# An entry with its date, some 200 bytes by tracemalloc, and the stamp its key keeps
# once its row is gone.
ENTRY_BYTES = 250


class Found(NamedTuple):
    """The next date from `since` on (None: the series has no more)."""

    since: datetime
    next_date: Occurrence | None

    def holds_at(self, now: datetime) -> bool:
        """Whether it is still the next date at `now`: no date starts between `since` and
        `now`, as none starts between `since` and it."""
        return self.since <= now and (self.next_date is None or now <= self.next_date.start)


class NextDates:
    """Meetups' next dates, bounded by what they take."""

    def __init__(self, max_bytes: int) -> None:
        self._found = BytesLRU[Found](max_bytes, size=lambda _: ENTRY_BYTES)

    def of(self, meetups: Iterable[Meetup], now: datetime) -> dict[int, Occurrence | None]:
        """`{meetup.id: meetup.next_happening(now)}`."""
        return {meetup.id: self.next_happening(meetup, now) for meetup in meetups}

    def next_happening(self, meetup: Meetup, now: datetime) -> Occurrence | None:
        key = (meetup.id, meetup.updated_at)
        found = self._found.get(key)
        if found is None or not found.holds_at(now):
            found = self._found.replace(key, Found(now, meetup.next_happening(now)))
        return found.next_date
