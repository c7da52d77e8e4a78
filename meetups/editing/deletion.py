"""When a venue or meetup may be deleted or restored. No Flask.

Deleting is soft (see `SoftDeletable`): the row stays, hidden, so any deletion
can be undone. These rules keep what remains visible whole: a live meetup
never points at a deleted venue, neither for its series nor for a moved date.
"""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from meetups.models import Meetup, MeetupChange, Venue, VenueRedirect
from meetups.texts import N_


class Refused(Exception):
    """The step would leave the directory inconsistent; the message says what to do first."""


def check_delete(session: Session, item: Venue | Meetup) -> None:
    if item.is_deleted:
        raise Refused(N_("%(name)s is already deleted.", name=item.name))
    if isinstance(item, Venue) and _venue_in_use(session, item):
        raise Refused(
            N_(
                "Meetups still take place at %(name)s: "
                "move or delete them (and any dates moved there) first.",
                name=item.name,
            )
        )


def check_restore(session: Session, item: Venue | Meetup) -> None:
    if not item.is_deleted:
        raise Refused(N_("%(name)s is not deleted.", name=item.name))
    if isinstance(item, Meetup):
        check_venues_live(session, item)


def check_venues_live(session: Session, meetup: Meetup) -> None:
    """The meetup's venue, and those of its moved dates, are all in the directory."""
    session.flush()
    venue_ids = {meetup.venue_id} | {c.venue_id for c in meetup.changes if c.venue_id}
    live = session.scalar(select(func.count(Venue.id)).where(Venue.id.in_(venue_ids)))
    if live < len(venue_ids):
        raise Refused(
            N_("A venue of %(name)s is deleted: restore the venue first.", name=meetup.name)
        )


def forget_redirects(session: Session, venue: Venue) -> None:
    """A restored venue answers at its own address again, not as a merged duplicate."""
    session.execute(delete(VenueRedirect).where(VenueRedirect.old_slug == venue.slug))


def _venue_in_use(session: Session, venue: Venue) -> bool:
    """A live meetup meets there, or has a date moved there (deleted meetups don't count)."""
    series = select(Meetup.id).where(Meetup.venue_id == venue.id)
    moved = select(MeetupChange.id).join(MeetupChange.meetup)
    moved = moved.where(MeetupChange.venue_id == venue.id)
    return any(session.scalar(query.limit(1)) is not None for query in (series, moved))
