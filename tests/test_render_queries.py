"""A rendered page sends as many SQL statements for one meetup as for many (no N+1).

A page-cache miss renders the page from the database: each meetup, venue,
moved date and tag it shows must come with the few queries of its listing,
not one query each, or a busy city costs its number of meetups in round trips.
"""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest

from meetups.extensions import db
from meetups.models import City, MeetupChange, Venue

VOLUNTEER = {"Cookie": "session=volunteer"}  # any cookie skips the whole-page cache
MARCH = "?from=2026-03-01&to=2026-03-31"
PAGES = {
    "city": "/fr/paris/" + MARCH,
    "country": "/fr/" + MARCH,
    "meetup": "/m/coffee-0/",
    "venue": "/v/cafe-central-paris/",
    "trip": "/trip?city=fr/paris&arrive=2026-03-01&leave=2026-03-14",
}


@pytest.mark.parametrize("page", PAGES)
def test_a_rendered_page_costs_as_many_queries_with_twelve_meetups_as_with_one(
    app, client, count_queries, make_city, make_venue, make_meetup, page
):
    def render() -> None:
        # Each count asks for the data version once, however long the render before took,
        # and nothing the test made is already loaded, as in a worker's fresh session.
        app.extensions["data_version"].invalidate()
        db.session.expunge_all()
        response = client.get(PAGES[page], headers=VOLUNTEER)
        assert response.status_code == 200

    paris = make_city()
    home = make_venue("Café Central", city=paris)
    first = make_meetup(
        "Coffee 0",
        venue=home,
        tags=["startups"],
        changes=[{"original_date": date(2026, 3, 5), "cancelled": True}],
    )
    ids = paris.id, home.id, first.id
    render()  # what every page asks once per data version is asked here
    with_one = count_queries(render)

    lyon = make_city("Lyon", latitude=45.75, longitude=4.85)
    paris, home = db.session.get(City, ids[0]), db.session.get(Venue, ids[1])
    for n in range(1, 12):
        city = paris if n % 2 else lyon
        venue = make_venue(f"Venue {n}", city=city)
        make_meetup(
            f"Coffee {n}",
            venue=home if n % 3 == 0 else venue,
            tags=["startups", f"tag-{n}"],
            changes=[
                # Moved to a venue of another city: the page names that city too.
                {"original_date": date(2026, 3, 12), "venue_id": venue.id,
                 "new_start_time": time(10)},
                {"original_date": date(2026, 3, 19), "cancelled": True, "note": "Holiday"},
            ],
        )  # fmt: skip
        # The first meetup moves a date to each new venue: one this month, the rest later.
        day = date(2026, 3, 26) if n == 1 else date(2027, 1, 7) + timedelta(weeks=n)
        db.session.add(MeetupChange(meetup_id=ids[2], original_date=day, venue_id=venue.id))
        db.session.commit()
    render()

    assert count_queries(render) == with_one
