"""Who watches what: a meetup, a venue (it and its meetups) or a city (its meetups).
A service: takes the session, never commits.

A change to a meetup reaches the watchers of the meetup, of its venue and of its
city, each volunteer once, named by the closest thing they watch (`audience`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from meetups.models import WITH_DELETED, AlertFrequency, City, Meetup, User, Venue, Watch

Watchable = Meetup | Venue | City


def _column(thing: Watchable) -> InstrumentedAttribute[int | None]:
    if isinstance(thing, Meetup):
        return Watch.meetup_id
    return Watch.venue_id if isinstance(thing, Venue) else Watch.city_id


def watch(session: Session, user: User, thing: Watchable) -> None:
    """Follow a meetup, a venue or a city, once."""
    if not is_watching(session, user, thing):
        session.add(Watch(user_id=user.id, **{_column(thing).key: thing.id}))


def unwatch(session: Session, user: User, thing: Watchable) -> None:
    session.execute(
        delete(Watch)
        .where(Watch.user_id == user.id, _column(thing) == thing.id)
        .execution_options(synchronize_session=False)
    )


def is_watching(session: Session, user: User, thing: Watchable) -> bool:
    found = session.scalar(
        select(Watch.id).where(Watch.user_id == user.id, _column(thing) == thing.id)
    )
    return found is not None


def follow_own_edit(session: Session, user: User, item: Meetup | Venue) -> None:
    """Whoever adds or edits a listing watches it, unless they turned that off."""
    if user.watch_own_edits:
        watch(session, user, item)


def watched_by(session: Session, user: User) -> list[Watch]:
    """What a volunteer watches, for their settings page: cities, venues, then meetups, each
    by name; a deleted venue or meetup is left out (its watchers were told)."""
    # Loaded with deleted listings, so that each watch finds its own and can tell.
    found = session.scalars(
        select(Watch).where(Watch.user_id == user.id).execution_options(**WITH_DELETED)
    )
    live = [w for w in found if not getattr(w.meetup or w.venue, "is_deleted", False)]
    return sorted(live, key=lambda w: (w.meetup_id is not None, w.venue_id is not None, _name(w)))


def _name(watch: Watch) -> str:
    return (watch.meetup or watch.venue or watch.city).name.casefold()


def watched_name(watch: Watch, city_name: Callable[[City], str]) -> str:
    """The name of what is watched; a city's as `city_name` says it (in the reader's language)."""
    if watch.city is not None:
        return city_name(watch.city)
    return (watch.meetup or watch.venue).name


def stop(session: Session, user: User, watch_id: int) -> None:
    """Stop one watch from the settings page; only this volunteer's own."""
    session.execute(
        delete(Watch)
        .where(Watch.id == watch_id, Watch.user_id == user.id)
        .execution_options(synchronize_session=False)
    )


def move_venue_watches(session: Session, duplicate: Venue, keep: Venue) -> None:
    """A venue merged into another: its watchers watch the one that stays."""
    already = select(Watch.user_id).where(Watch.venue_id == keep.id)
    session.execute(
        update(Watch)
        .where(Watch.venue_id == duplicate.id, Watch.user_id.not_in(already))
        .values(venue_id=keep.id)
        .execution_options(synchronize_session=False)
    )


@dataclass(frozen=True)
class Recipient:
    """A volunteer to tell, and the venue or city they watch when not the listing itself
    (a city's id too, to name it in their language)."""

    user: User
    place: str | None = None
    city_id: int | None = None


def audience(
    session: Session, meetup: Meetup | None, venues: Iterable[Venue], author: User | None
) -> list[Recipient]:
    """Everyone to tell about a change to `meetup` (None: to a venue), held at `venues`
    (two when it moved), once each, leaving out the author and those who want no mail."""
    venues = list(venues)
    cities = {venue.city_id: venue.city for venue in venues}
    by_venue = {venue.id: venue for venue in venues}
    watched = [Watch.venue_id.in_(by_venue)]
    if meetup is not None:
        watched += [Watch.meetup_id == meetup.id, Watch.city_id.in_(cities)]
    rows = session.execute(
        select(User, Watch)
        .join(Watch, Watch.user_id == User.id)
        .where(
            or_(*watched),
            User.email_confirmed_at.is_not(None),
            User.alerts != AlertFrequency.NEVER,
        )
        .order_by(User.id)
    ).all()
    closest: dict[int, tuple[int, Recipient]] = {}
    for user, watch in rows:
        if author is not None and user.id == author.id:
            continue
        rank, recipient = _why(user, watch, meetup, by_venue, cities)
        if user.id not in closest or rank < closest[user.id][0]:
            closest[user.id] = (rank, recipient)
    return [recipient for _, recipient in closest.values()]


def _why(
    user: User,
    watch: Watch,
    meetup: Meetup | None,
    venues: dict[int, Venue],
    cities: dict[int, City],
) -> tuple[int, Recipient]:
    """How close the watched thing is to what changed (0: itself), and who to tell why."""
    if watch.meetup_id is not None or meetup is None:
        return 0, Recipient(user)
    if watch.venue_id is not None:
        return 1, Recipient(user, venues[watch.venue_id].name)
    return 2, Recipient(user, cities[watch.city_id].name, watch.city_id)
