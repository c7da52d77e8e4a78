"""What saving a venue's position would shift, said before it is saved. Pure.

A venue's time zone follows its coordinates, and every meetup held there
follows the venue's zone: coordinates typed with latitude and longitude swapped,
or on another continent, would silently move every subscriber's calendar by
hours. A position far from the venue's city, or a change of zone, is therefore
saved only once the volunteer confirms it, having read what it does.
"""

from __future__ import annotations

from meetups.places.geo import distance_km
from meetups.texts import N_, Text

# Further than this from its city's centre, a venue is probably mistyped (suburbs and
# airports of large cities stay within it).
FAR_FROM_CITY_KM = 50.0


def position_warnings(
    *,
    city_name: str,
    city_point: tuple[float, float],
    point: tuple[float, float] | None,
    old_zone: str | None,
    new_zone: str,
    meetups: int,
) -> list[Text]:
    """What the volunteer must confirm before this position is saved; empty if nothing.
    A venue no meetup uses yet changes zone freely: no calendar follows it."""
    warnings: list[Text] = []
    if point is not None:
        km = distance_km(*city_point, *point)
        if km > FAR_FROM_CITY_KM:
            warnings.append(
                N_(
                    "This position is %(km)d km from %(city)s. Check that latitude and "
                    "longitude are not swapped or mistyped.",
                    km=round(km),
                    city=city_name,
                )
            )
    if meetups and old_zone is not None and old_zone != new_zone:
        warnings.append(
            N_(
                "The time zone would change from %(old)s to %(new)s: every meetup here "
                "(%(count)d) will move to %(new)s time, and so will the calendars of "
                "everyone subscribed to them.",
                old=old_zone,
                new=new_zone,
                count=meetups,
            )
        )
    return warnings
