"""Venue upkeep: spotting likely duplicates and merging them without breaking links."""

from __future__ import annotations

from datetime import datetime
from difflib import SequenceMatcher
from itertools import combinations

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from meetups.editing import history
from meetups.editing.locking import lock_if_live
from meetups.freshness import watching
from meetups.models import Meetup, MeetupChange, User, Venue, VenueRedirect
from meetups.places.geo import distance_km
from meetups.queries import venues_in_boxes
from meetups.slugs import name_key
from meetups.texts import N_

NEARBY_KM = 0.15
SIMILAR_NAMES = 0.75


def similar_names(first: str, second: str) -> bool:
    """ "Café X" and "Cafe X Paris" are alike; "Café X" and "Bar Y" are not."""
    a, b = name_key(first), name_key(second)
    if not a or not b:
        return False
    return a in b or b in a or SequenceMatcher(None, a, b).ratio() >= SIMILAR_NAMES


def same_address(first: str, second: str) -> bool:
    return bool(name_key(first)) and name_key(first) == name_key(second)


def looks_duplicated(venue: Venue, other: Venue) -> bool:
    """A similar name within about 150 m, or the same address in the same city."""
    if venue.city_id == other.city_id and same_address(venue.address, other.address):
        return True
    if None in (venue.latitude, venue.longitude, other.latitude, other.longitude):
        return False
    close = distance_km(venue.latitude, venue.longitude, other.latitude, other.longitude)
    return close <= NEARBY_KM and similar_names(venue.name, other.name)


def possible_duplicates(session: Session, venue: Venue) -> list[Venue]:
    """Existing venues that may be `venue` (saved or not yet), for a volunteer to check."""
    where = Venue.city_id == venue.city_id
    if venue.latitude is not None and venue.longitude is not None:
        where = or_(where, venues_in_boxes(venue.latitude, venue.longitude, NEARBY_KM))
    candidates = session.scalars(select(Venue).where(where).order_by(Venue.id))
    return [other for other in candidates if other is not venue and looks_duplicated(venue, other)]


def duplicate_pairs(session: Session) -> list[tuple[Venue, Venue]]:
    """Every likely duplicate pair in the directory, compared city by city."""
    by_city: dict[int, list[Venue]] = {}
    for venue in session.scalars(select(Venue).order_by(Venue.id)):
        by_city.setdefault(venue.city_id, []).append(venue)
    return [
        (first, second)
        for venues in by_city.values()
        for first, second in combinations(venues, 2)
        if looks_duplicated(first, second)
    ]


def merge(session: Session, keep: Venue, duplicate: Venue, user: User | None, now: datetime) -> int:
    """Move everything from `duplicate` to `keep`, then delete it; count moved meetups.

    Its address redirects to `keep` from then on. Every meetup moved and both
    venues get a revision, so each part can be undone like any edit. The caller
    commits, so a failure leaves nothing half-merged.
    """
    if keep.id == duplicate.id:
        raise ValueError(N_("A venue cannot be merged into itself."))
    # Both rows locked, in id order (so two merges cannot deadlock): an edit, a deletion
    # or a new meetup at either venue waits, and none is lost under the merge.
    live = [lock_if_live(session, Venue, venue_id) for venue_id in sorted((keep.id, duplicate.id))]
    if not all(live):
        raise ValueError(N_("One of these venues was deleted meanwhile."))
    held = list(session.scalars(select(Meetup).where(Meetup.venue_id == duplicate.id)))
    moved_dates = list(
        session.scalars(select(MeetupChange).where(MeetupChange.venue_id == duplicate.id))
    )
    touched = {meetup.id: meetup for meetup in held}
    touched.update({change.meetup.id: change.meetup for change in moved_dates})
    before = {meetup_id: history.snapshot(meetup) for meetup_id, meetup in touched.items()}
    before_keep, before_duplicate = history.snapshot(keep), history.snapshot(duplicate)
    for meetup in held:
        meetup.venue = keep
    for change in moved_dates:
        change.venue = keep
    keep.address = keep.address or duplicate.address
    keep.notes = keep.notes or duplicate.notes
    duplicate.deleted_at = now
    session.execute(
        update(VenueRedirect).where(VenueRedirect.venue_id == duplicate.id).values(venue_id=keep.id)
    )
    session.add(VenueRedirect(old_slug=duplicate.slug, venue_id=keep.id))
    watching.move_venue_watches(session, duplicate, keep)
    into = f"Merged {duplicate.name} (/v/{duplicate.slug}/) into {keep.name} (/v/{keep.slug}/)."
    for meetup_id, meetup in touched.items():
        history.record(session, meetup, "merge", user, before[meetup_id], summary=into)
    history.record(session, keep, "merge", user, before_keep, summary=into)
    history.record(session, duplicate, "merge", user, before_duplicate, summary=into)
    return len(held)
