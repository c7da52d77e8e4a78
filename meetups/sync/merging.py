"""Three-way merge of a listing with its calendar: what to take, what to keep, what to ask.

Pure. `base` is what the source said at the last sync (or, right after linking, the
listing as it was), `ours` the listing now, `theirs` what the source says now. A field
the source changed and nobody touched here is taken; one a volunteer changed since is
kept; one both changed differently is a conflict that waits for a volunteer. Date
entries count only from `today` on: past dates are history, not something to sync.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from meetups.sync.mapping import DATE_PREFIX

DATE_KEYS = ("cancelled", "new_date", "new_start_time", "new_duration_minutes")


@dataclass(frozen=True)
class Merge:
    """Fields to set to the source's value, and fields where both sides differ."""

    take: dict[str, Any]
    conflicts: dict[str, tuple[Any, Any]]


def merge(base: dict[str, Any], ours: dict[str, Any], theirs: dict[str, Any], today: date) -> Merge:
    """What the sync may do to `ours`; `take` values are the source's (None: remove)."""
    ours = synced_fields(ours, today)
    take: dict[str, Any] = {}
    conflicts: dict[str, tuple[Any, Any]] = {}
    for name in sorted(set(base) | set(ours) | set(theirs)):
        if not _synced(name, today):
            continue
        was, now, wanted = base.get(name), ours.get(name), theirs.get(name)
        if wanted in (was, now):
            continue
        if now == was:
            take[name] = wanted
        else:
            conflicts[name] = (now, wanted)
    return Merge(take, conflicts)


def synced_fields(state: dict[str, Any], today: date) -> dict[str, Any]:
    """The part of a snapshot the sync compares: a date's venue and note are ours alone."""
    return {
        name: {key: value.get(key) for key in DATE_KEYS} if isinstance(value, dict) else value
        for name, value in state.items()
        if _synced(name, today)
    }


def _synced(name: str, today: date) -> bool:
    if name.startswith(DATE_PREFIX):
        return date.fromisoformat(name[len(DATE_PREFIX) :]) >= today
    return name in ("rrule", "start_time", "duration_minutes", "first_date", "end_date")
