"""Following a meetup's own calendar: link it, sync it, settle a conflict. A service: takes
the session, never commits.

Every change to the listing goes through `editing.operations`, so history shows it as the
sync's (or the volunteer's), naming the calendar. Nothing is ever deleted: a calendar that
stops listing the series, or fails for `failure_after`, asks the listing's watchers again
(the freshness loop) and leaves the decision to a person.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from meetups.editing import history, operations
from meetups.models import CalendarLink, Meetup, User
from meetups.schedule import ScheduleError, time_zone
from meetups.sync import mapping, merging, sources
from meetups.sync.fetch import FetchError, Limits, Resolver, fetch_calendar


@dataclass(frozen=True)
class Settings:
    """What a round of syncing may spend, and how long a calendar may fail."""

    limits: Limits
    failure_after: timedelta
    resolve: Resolver | None = None


def link_for(session: Session, meetup: Meetup) -> CalendarLink | None:
    return session.get(CalendarLink, meetup.id)


def read_choices(url: str, settings: Settings, now: datetime) -> list[sources.SeriesChoice]:
    """The series a calendar address holds, to pick from; FetchError or SourceError."""
    fetched = fetch_calendar(url, settings.limits, resolve=settings.resolve)
    return sources.choices(sources.read_calendar(fetched.body), now)


def link(
    session: Session, meetup: Meetup, url: str, choice: sources.SeriesChoice, now: datetime
) -> CalendarLink:
    """Follow the chosen series from now on. The listing as it is counts as what the
    calendar said, so the first sync brings in every difference the calendar has."""
    found = link_for(session, meetup) or CalendarLink(meetup_id=meetup.id, url=url)
    session.add(found)
    found.url = url.strip()
    found.series_key = choice.key
    found.series_name = choice.summary
    found.etag = found.last_modified = ""
    found.base = merging.synced_fields(history.snapshot(meetup), _today(meetup, now))
    found.conflicts, found.mismatch, found.last_error = {}, {}, {}
    found.failing_since = found.confirmation_asked_at = None
    return found


def unlink(session: Session, meetup: Meetup) -> None:
    found = link_for(session, meetup)
    if found is not None:
        session.delete(found)


def linked(session: Session) -> list[CalendarLink]:
    """Every link with a series picked, oldest first."""
    return list(
        session.scalars(
            select(CalendarLink)
            .join(Meetup, Meetup.id == CalendarLink.meetup_id)
            .where(CalendarLink.series_key != "")
            .order_by(CalendarLink.meetup_id)
        )
    )


def sync(session: Session, found: CalendarLink, settings: Settings, now: datetime) -> str:
    """Fetch the calendar (conditionally) and bring its changes in; returns what happened:
    "unchanged", "updated", "conflict", "mismatch", "gone" or "failed"."""
    try:
        fetched = fetch_calendar(
            found.url, settings.limits, found.etag, found.last_modified, settings.resolve
        )
        if fetched.not_modified:
            _succeeded(found, now)
            return "unchanged"
        calendar = sources.read_calendar(fetched.body)
    except (FetchError, sources.SourceError) as error:
        return _failed(session, found, error, now, settings.failure_after)
    found.etag, found.last_modified = fetched.etag[:300], fetched.last_modified[:100]
    _succeeded(found, now)
    meetup = found.meetup
    series = sources.find_series(calendar, found.series_key)
    proposal = mapping.propose(series, meetup.timezone, meetup.first_date, now)
    if isinstance(proposal, mapping.Gone):
        _ask_once(session, found, now)
        return "gone"
    found.confirmation_asked_at = None
    if isinstance(proposal, mapping.Mismatch):
        found.mismatch = _mismatch(proposal)
        return "mismatch"
    return _bring_in(session, found, proposal, now)


def _bring_in(
    session: Session, found: CalendarLink, proposal: mapping.Proposal, now: datetime
) -> str:
    meetup = found.meetup
    today = _today(meetup, now)
    ours = history.snapshot(meetup)
    merged = merging.merge(found.base, ours, proposal.state, today)
    try:
        state = {**merging.synced_fields(ours, today), **merged.take}
        mapping.check_state(state, merged.take, meetup.timezone, today)
    except ScheduleError as error:
        found.mismatch = _mismatch(mapping.Mismatch(error.msgid, dict(error.params)))
        return "mismatch"
    found.mismatch = {}
    if merged.take:
        operations.follow_calendar(session, meetup, merged.take, found.url)
    # A field in conflict keeps its old base, so that the next sync still sees it.
    base = merging.synced_fields(proposal.state, today)
    for field in merged.conflicts:
        base.pop(field, None)
        if field in found.base:
            base[field] = found.base[field]
    found.base = base
    found.conflicts = {field: list(pair) for field, pair in merged.conflicts.items()}
    if merged.conflicts:
        return "conflict"
    return "updated" if merged.take else "unchanged"


def settle(
    session: Session,
    found: CalendarLink,
    field: str,
    take_theirs: bool,
    user: User,
    now: datetime,
) -> None:
    """A volunteer's choice in a conflict: the calendar's value, or the listing's kept
    (and the calendar's value noted as seen, so the sync asks again only if it changes)."""
    pair = found.conflicts.get(field)
    if pair is None:
        return
    meetup = found.meetup
    if take_theirs:
        today = _today(meetup, now)
        ours = merging.synced_fields(history.snapshot(meetup), today)
        mapping.check_state({**ours, field: pair[1]}, [field], meetup.timezone, today)
        operations.follow_calendar(session, meetup, {field: pair[1]}, found.url, user)
    found.base = {**found.base, field: pair[1]}
    found.conflicts = {name: value for name, value in found.conflicts.items() if name != field}


def _succeeded(found: CalendarLink, now: datetime) -> None:
    found.last_success_at = now
    found.last_error = {}
    found.failing_since = None


def _failed(
    session: Session,
    found: CalendarLink,
    error: FetchError | sources.SourceError,
    now: datetime,
    failure_after: timedelta,
) -> str:
    found.last_error = {"msgid": error.msgid, "params": _plain(error.params)}
    found.failing_since = found.failing_since or now
    if now - found.failing_since >= failure_after:
        _ask_once(session, found, now)
    return "failed"


def _ask_once(session: Session, found: CalendarLink, now: datetime) -> None:
    """One question per outage: asked again only after the calendar came back."""
    if found.confirmation_asked_at is None:
        operations.ask_confirmation(session, found.meetup, found.url)
        found.confirmation_asked_at = now


def _mismatch(proposal: mapping.Mismatch) -> dict[str, Any]:
    return {
        "msgid": proposal.msgid,
        "params": _plain(proposal.params),
        "dates": [moment.isoformat() for moment in proposal.their_dates],
    }


def _plain(params: dict[str, object]) -> dict[str, object]:
    return {
        key: value if isinstance(value, (int, float)) else str(value)
        for key, value in params.items()
    }


def _today(meetup: Meetup, now: datetime) -> date:
    return now.astimezone(time_zone(meetup.timezone)).date()
