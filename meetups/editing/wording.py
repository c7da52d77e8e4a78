"""Revisions in words: one sentence a person understands, and the fields that changed.

A revision stores {column: [before, after]} in JSON values (see `history`), which
reads like a database dump. Here each becomes "Carol changed the time from 08:30
to 09:00", with labels and values in the visitor's language and the moment in
the listing's own time zone, plus a compact before/after of what changed. The
history pages, recent changes, its Atom feed and the moderation dashboard all
say revisions this way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from meetups import queries
from meetups.editing.history import DATE_FIELD_PREFIX
from meetups.markup import markdown_to_text
from meetups.models import City, Meetup, Revision, User, Venue, parse_rule
from meetups.schedule import ScheduleError, wall_clock_end
from meetups.web import i18n

Item = Venue | Meetup
EMPTY = "—"
# Long texts are cut in the before/after table: the item's page shows them whole.
SHORT_TEXT = 120


@dataclass(frozen=True)
class Row:
    """One changed field: its label and its two values, as a person reads them."""

    label: str
    before: str
    after: str

    @property
    def before_shown(self) -> bool:
        """A field that was empty (as every field of a new item) shows only its new value."""
        return self.before != EMPTY


@dataclass(frozen=True)
class RevisionInWords:
    revision: Revision
    item: Item | None
    sentence: str
    when: str
    rows: tuple[Row, ...]

    def as_text(self) -> str:
        """The rows on one line each ("Start time: 08:30 → 09:00"), for the Atom feed."""
        return "\n".join(f"{row.label}: {row.before} → {row.after}" for row in self.rows)


@dataclass(frozen=True)
class _Names:
    """The venues and cities that revisions name by id, fetched once for a whole list."""

    venues: Mapping[int, Venue]
    cities: Mapping[int, City]


def in_words(pairs: Iterable[tuple[Revision, Item | None]]) -> list[RevisionInWords]:
    """Each revision (with the item it changed) told in the visitor's language."""
    pairs = list(pairs)
    names = _Names(
        venues=queries.venues_by_id(_venue_ids(pairs)),
        cities=queries.cities_by_id(_city_ids(pairs)),
    )
    return [_tell(revision, item, names) for revision, item in pairs]


def _tell(revision: Revision, item: Item | None, names: _Names) -> RevisionInWords:
    return RevisionInWords(
        revision=revision,
        item=item,
        sentence=_sentence(revision, item, names),
        when=_when(revision.created_at, item),
        rows=tuple(_rows(revision, item, names)),
    )


# --- The sentence ---------------------------------------------------------------------------

# Whole sentences per action and kind of item, so that each language can agree its words.
_SIMPLE = {
    ("meetup", "create"): _l("%(who)s added the meetup."),
    ("venue", "create"): _l("%(who)s added the venue."),
    ("meetup", "delete"): _l("%(who)s deleted the meetup."),
    ("venue", "delete"): _l("%(who)s deleted the venue."),
    ("meetup", "restore"): _l("%(who)s restored the meetup."),
    ("venue", "restore"): _l("%(who)s restored the venue."),
    ("meetup", "confirm"): _l("%(who)s confirmed that the meetup still happens."),
    ("meetup", "active"): _l("%(who)s made the meetup active again."),
    ("meetup", "paused"): _l("%(who)s paused the meetup."),
    ("meetup", "ended"): _l("%(who)s marked the meetup as ended."),
    ("meetup", "merge"): _l("%(who)s merged two duplicate venues; the meetup follows."),
    ("venue", "merge"): _l("%(who)s merged two duplicate venues."),
    ("meetup", "sync"): _l("%(who)s took these changes from the meetup's own calendar:"),
    ("meetup", "unconfirm"): _l(
        "The meetup's own calendar no longer lists it or cannot be read: "
        "its volunteers are asked whether it still happens."
    ),
}


def _sentence(revision: Revision, item: Item | None, names: _Names) -> str:
    who = _who(revision.user)
    if revision.action == "sync" and revision.user is None:
        who = gettext("The calendar sync")
    simple = _SIMPLE.get((revision.entity, revision.action))
    if simple is not None:
        return str(simple) % {"who": who}
    if revision.action == "revert":
        return _revert_sentence(who, revision.reverts)
    if revision.action == "restore-version" and revision.reverts is not None:
        return gettext(
            "%(who)s went back to the version of %(when)s.",
            who=who,
            when=_when(revision.reverts.created_at, item),
        )
    days = [field for field in revision.changes if field.startswith(DATE_FIELD_PREFIX)]
    if revision.action in ("cancel-date", "move-date", "restore-date") and days:
        return _date_sentence(who, revision.action, days[0], revision.changes[days[0]], item, names)
    return _edit_sentence(who, revision, item, names)


def _who(user: User | None) -> str:
    return user.display_name if user is not None else gettext("The system")


def _revert_sentence(who: str, reverted: Revision | None) -> str:
    if reverted is not None and reverted.user is not None:
        return gettext("%(who)s undid a change by %(author)s.", who=who, author=_who(reverted.user))
    return gettext("%(who)s undid an earlier change.", who=who)


def _date_sentence(
    who: str, action: str, field: str, values: list[Any], item: Item | None, names: _Names
) -> str:
    day = i18n.long_date(date.fromisoformat(field[len(DATE_FIELD_PREFIX) :]))
    after = values[1] or {}
    if action == "restore-date":
        return gettext("%(who)s put %(day)s back as usual.", who=who, day=day)
    if action == "cancel-date":
        if after.get("note"):
            return gettext(
                "%(who)s cancelled %(day)s: ‘%(note)s’", who=who, day=day, note=after["note"]
            )
        return gettext("%(who)s cancelled %(day)s.", who=who, day=day)
    target = _moved_to(field, after, item, names)
    return gettext("%(who)s moved %(day)s to %(target)s.", who=who, day=day, target=target)


def _edit_sentence(who: str, revision: Revision, item: Item | None, names: _Names) -> str:
    changes = revision.changes
    fields = set(changes)

    def values(field: str) -> dict[str, str]:
        before, after = changes[field]
        return {
            "who": who,
            "before": _value(field, before, item, names),
            "after": _value(field, after, item, names),
        }

    if fields == {"start_time"}:
        return gettext(
            "%(who)s changed the time from %(before)s to %(after)s.", **values("start_time")
        )
    if fields == {"start_time", "duration_minutes"}:
        # Start and end typed together on the form: one change of time, "08:30–10:30".
        return gettext(
            "%(who)s changed the time from %(before)s to %(after)s.",
            who=who,
            before=_span(*(changes[field][0] for field in ("start_time", "duration_minutes"))),
            after=_span(*(changes[field][1] for field in ("start_time", "duration_minutes"))),
        )
    if fields == {"duration_minutes"}:
        # Only the end typed anew: said as how long it lasts, the start being unknown here.
        return gettext(
            "%(who)s changed how long it lasts from %(before)s to %(after)s.",
            **values("duration_minutes"),
        )
    if "venue_id" in fields and fields <= {"venue_id", "timezone"}:
        return gettext(
            "%(who)s moved the meetup from %(before)s to %(after)s.", **values("venue_id")
        )
    if fields == {"name"}:
        return gettext("%(who)s renamed it from ‘%(before)s’ to ‘%(after)s’.", **values("name"))
    if fields == {"timezone"} and revision.entity == "meetup":
        return gettext(
            "%(who)s moved its venue to another time zone: the meetup now follows %(after)s "
            "time instead of %(before)s.",
            **values("timezone"),
        )
    if fields == {"rrule"}:
        return gettext(
            "%(who)s changed how often: from %(before)s to %(after)s.", **values("rrule")
        )
    if "timezone" in fields and revision.entity == "venue":
        return gettext(
            "%(who)s changed the venue’s time zone from %(before)s to %(after)s: "
            "its meetups follow it.",
            **values("timezone"),
        )
    labels = [_label(field) for field in sorted(fields, key=_field_order)]
    return gettext("%(who)s changed: %(fields)s.", who=who, fields=", ".join(labels).lower())


# --- When -----------------------------------------------------------------------------------


def _when(moment: datetime, item: Item | None) -> str:
    """ "Thursday 3 December 2026, 09:12 CET": in the listing's zone, where its people are."""
    return i18n.local_moment(moment, item.timezone if item is not None else "UTC")


# --- The fields -----------------------------------------------------------------------------

_LABELS = {
    "name": _l("Name"),
    "description": _l("Description"),
    "venue_id": _l("Venue"),
    "rrule": _l("How often"),
    "start_time": _l("Start time"),
    "duration_minutes": _l("Length"),
    "timezone": _l("Time zone"),
    "first_date": _l("First date"),
    "end_date": _l("Last date"),
    "status": _l("Status"),
    "status_since": _l("Status since"),
    "languages": _l("Languages"),
    "url": _l("Website"),
    "last_confirmed": _l("Last confirmed"),
    "deleted_at": _l("Deleted"),
    "tags": _l("Topics"),
    "address": _l("Address"),
    "city_id": _l("City"),
    "latitude": _l("Latitude"),
    "longitude": _l("Longitude"),
    "coordinates_source": _l("Position found"),
    "notes": _l("Practical notes"),
}
_ORDER = {field: position for position, field in enumerate(_LABELS)}
_STATUSES = {"active": _l("active"), "paused": _l("paused"), "ended": _l("ended")}
_SOURCES = {
    "geocoder": _l("from the address"),
    "gazetteer": _l("approximately (city centre)"),
    "manual": _l("typed in by a volunteer"),
}


def _field_order(field: str) -> tuple[int, str]:
    return (_ORDER.get(field, len(_ORDER)), field)


def _label(field: str) -> str:
    if field.startswith(DATE_FIELD_PREFIX):
        return i18n.long_date(date.fromisoformat(field[len(DATE_FIELD_PREFIX) :]))
    label = _LABELS.get(field)
    return str(label) if label is not None else field.replace("_", " ")


def _rows(revision: Revision, item: Item | None, names: _Names) -> Iterable[Row]:
    """What changed, field by field; a confirmation says it all in its sentence."""
    if revision.action == "confirm":
        return
    for field in sorted(revision.changes, key=_field_order):
        before, after = revision.changes[field]
        shown = (_value(field, before, item, names), _value(field, after, item, names))
        if shown != (EMPTY, EMPTY):
            yield Row(_label(field), *shown)


def _value(field: str, value: Any, item: Item | None, names: _Names) -> str:
    """A stored value as people write it: "08:30", "Every Thursday", "Café X"."""
    if field.startswith(DATE_FIELD_PREFIX):
        return _date_state(field, value, item, names)
    if field == "deleted_at":
        return gettext("yes") if value else gettext("no")
    if value is None or value == "" or value == []:
        return EMPTY
    formatter = _FORMATTERS.get(field)
    return formatter(value, names) if formatter is not None else _short(str(value))


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SHORT_TEXT else text[: SHORT_TEXT - 1] + "…"


def _clock(value: str) -> str:
    return f"{time.fromisoformat(value):%H:%M}"


def _span(start: str, minutes: int) -> str:
    """ "23:30–02:30": a start and a length as the form and the page state them."""
    at = time.fromisoformat(start)
    return f"{at:%H:%M}–{wall_clock_end(at, timedelta(minutes=int(minutes))):%H:%M}"


def _length(minutes: int) -> str:
    hours, rest = divmod(int(minutes), 60)
    if not hours:
        return gettext("%(minutes)d min", minutes=rest)
    if not rest:
        return gettext("%(hours)d h", hours=hours)
    return gettext("%(hours)d h %(minutes)02d", hours=hours, minutes=rest)


def _rule(text: str) -> str:
    try:
        return i18n.describe_rule(parse_rule(text))
    except (ScheduleError, ValueError):
        return text


def _venue(venue_id: int, names: _Names) -> str:
    venue = names.venues.get(venue_id)
    return venue.name if venue is not None else gettext("a venue no longer listed")


def _city(city_id: int, names: _Names) -> str:
    city = names.cities.get(city_id)
    return i18n.city_name(city) if city is not None else EMPTY


def _named(words: Mapping[str, Any]) -> Callable[[Any, _Names], str]:
    return lambda value, names: str(words.get(value, value))


_FORMATTERS: dict[str, Callable[[Any, _Names], str]] = {
    "venue_id": _venue,
    "city_id": _city,
    "rrule": lambda value, names: _rule(value),
    "start_time": lambda value, names: _clock(value),
    "duration_minutes": lambda value, names: _length(value),
    "first_date": lambda value, names: i18n.long_date(date.fromisoformat(value)),
    "end_date": lambda value, names: i18n.long_date(date.fromisoformat(value)),
    "status_since": lambda value, names: i18n.long_date(date.fromisoformat(value)),
    "last_confirmed": lambda value, names: i18n.long_date(date.fromisoformat(value)),
    "status": _named(_STATUSES),
    "coordinates_source": _named(_SOURCES),
    "languages": lambda value, names: i18n.language_names(value.split(",")),
    "tags": lambda value, names: ", ".join(value),
    "description": lambda value, names: _short(markdown_to_text(value)),
    "latitude": lambda value, names: f"{value:.5f}",
    "longitude": lambda value, names: f"{value:.5f}",
}


def _date_state(
    field: str, state: Mapping[str, Any] | None, item: Item | None, names: _Names
) -> str:
    """One date of a series: as usual, cancelled (with its note), or where it moved."""
    if state is None:
        return gettext("as usual")
    note = state.get("note") or ""
    if state.get("cancelled"):
        shown = gettext("cancelled")
    else:
        shown = gettext("moved to %(target)s", target=_moved_to(field, state, item, names))
    return f"{shown}: ‘{_short(note)}’" if note else shown


def _moved_to(field: str, state: Mapping[str, Any], item: Item | None, names: _Names) -> str:
    """ "Friday 8 January 2027 at 10:00, Café Y": the day, time and place a date moved to."""
    day = state.get("new_date") or field[len(DATE_FIELD_PREFIX) :]
    start = state.get("new_start_time")
    if start is None and isinstance(item, Meetup):
        start = item.start_time.isoformat()
    when = i18n.long_date(date.fromisoformat(day))
    if start is not None:
        when = gettext("%(day)s at %(time)s", day=when, time=_clock(start))
    if state.get("venue_id"):
        return gettext("%(when)s, at %(venue)s", when=when, venue=_venue(state["venue_id"], names))
    return when


# --- Lookups --------------------------------------------------------------------------------


def _venue_ids(pairs: list[tuple[Revision, Item | None]]) -> set[int]:
    found: set[int] = set()
    for revision, _ in pairs:
        for field, values in revision.changes.items():
            if field == "venue_id":
                found.update(value for value in values if value)
            elif field.startswith(DATE_FIELD_PREFIX):
                found.update(
                    state["venue_id"] for state in values if state and state.get("venue_id")
                )
    return found


def _city_ids(pairs: list[tuple[Revision, Item | None]]) -> set[int]:
    return {
        value
        for revision, _ in pairs
        for value in revision.changes.get("city_id", ())
        if value is not None
    }


def field_in_words(field: str, value: Any, item: Item | None) -> tuple[str, str]:
    """A snapshot field's label and value as people read them, e.g. for a sync conflict."""
    venue_ids = {value["venue_id"]} if isinstance(value, dict) and value.get("venue_id") else set()
    names = _Names(venues=queries.venues_by_id(venue_ids), cities={})
    return _label(field), _value(field, value, item, names)
