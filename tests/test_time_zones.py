"""One current time zone release everywhere, and a tzdata upgrade re-dates what it moves.

Under IANA 2026f, Vancouver and Havana keep summer time from 1 November 2026 and
Morocco stays at +00 from 20 September 2026; Debian 12's own database (2025b)
still changes their clocks. A meetup there must be at the 2026f instant in the
schedule module, the API, the feed and a single-date download, for every parser.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime, time

import pytest
import tzdata
from sqlalchemy import select

from meetups import zone_database
from meetups.extensions import db
from meetups.feeds import ical, zone_updates
from meetups.models import Meetup, ZoneRules, utcnow
from tests.calendar_parsers import READERS, Window
from tests.conftest import require

THURSDAY = date(2026, 12, 3)


def test_every_process_computes_with_the_tzdata_packages_release():
    code = (
        "import zoneinfo, datetime, meetups.schedule as s; "
        "print(zoneinfo.TZPATH, s.time_zone('America/Vancouver').utcoffset("
        "datetime.datetime(2026, 12, 3, 8, 30)))"
    )

    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)

    assert result.stdout.split() == ["()", "-1", "day,", "17:00:00"]
    assert zone_database.release() == tzdata.IANA_VERSION


@pytest.mark.parametrize(
    ("city", "country", "zone", "latitude", "longitude", "local", "instant"),
    [
        ("Vancouver", "CA", "America/Vancouver", 49.25, -123.12, "08:30:00-07:00", 15),
        ("Casablanca", "MA", "Africa/Casablanca", 33.59, -7.62, "08:30:00+00:00", 8),
        ("Havana", "CU", "America/Havana", 23.13, -82.38, "08:30:00-04:00", 12),
    ],
    ids=["Vancouver", "Casablanca", "Havana"],
)
def test_a_series_follows_the_2026f_rules_in_the_api_the_feed_and_a_download(
    client, make_city, make_venue, make_meetup, city, country, zone, latitude, longitude, local,
    instant,
):  # fmt: skip
    place = make_city(city, country, country, zone, latitude, longitude)
    make_meetup("Coffee", venue=make_venue("Café", city=place), start_time=time(8, 30))
    expected = datetime(2026, 12, 3, instant, 30, tzinfo=UTC)

    api = client.get("/api/v1/occurrences?from=2026-12-03&to=2026-12-03").get_json()
    feed = client.get("/feeds/meetup/coffee.ics").data
    download = client.get(f"/feeds/meetup/coffee/{THURSDAY}.ics").data

    assert [item["start"] for item in api["items"]] == [f"{THURSDAY}T{local}"]
    window = Window(THURSDAY, date(2026, 12, 4))
    for name, read in READERS.items():
        for body in (feed, download):
            assert [item.start for item in read(body, window).instances] == [expected], name


def test_a_release_re_dates_only_the_series_in_the_zones_it_changes(
    app, client, make_city, make_venue, make_meetup
):
    vancouver = make_city("Vancouver", "CA", "Canada", "America/Vancouver", 49.25, -123.12)
    make_meetup("Vancouver Coffee", venue=make_venue("Café", city=vancouver))
    make_meetup("Paris Coffee")
    zone_updates.apply_release(db.session, utcnow())
    db.session.commit()
    etags = {slug: etag(client, slug) for slug in ("vancouver-coffee", "paris-coffee")}
    before = sequences()
    # As if the release recorded had given Vancouver other rules.
    db.session.get(ZoneRules, "America/Vancouver").digest = "rules of an older release"
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["time-zones"])

    assert result.exit_code == 0, result.output
    assert result.output == (
        f"Time zone release {tzdata.IANA_VERSION}: zones changed: America/Vancouver; "
        "1 series re-dated.\n"
    )
    redated = {"vancouver-coffee": before["vancouver-coffee"] + 1, "paris-coffee": 0}
    assert sequences() == redated
    assert etag(client, "vancouver-coffee") != etags["vancouver-coffee"]
    assert etag(client, "paris-coffee") == etags["paris-coffee"]
    again = app.test_cli_runner().invoke(args=["time-zones"])
    assert "zones changed: none; 0 series re-dated." in again.output
    assert sequences() == redated


def test_the_first_release_applied_is_compared_with_the_operating_systems_zones(
    make_city, make_venue, make_meetup
):
    """Until now every process read the system's zones: what they said is what changed."""
    system = zone_database.system_zone("America/Vancouver")
    require(
        system is not None
        and ical.zone_rules_digest(system) != zone_updates._digest("America/Vancouver"),
        "the operating system's zones already follow this tzdata release for Vancouver",
    )
    vancouver = make_city("Vancouver", "CA", "Canada", "America/Vancouver", 49.25, -123.12)
    make_meetup("Vancouver Coffee", venue=make_venue("Café", city=vancouver))
    make_meetup("Paris Coffee")

    applied = zone_updates.apply_release(db.session, utcnow())
    db.session.commit()

    assert "America/Vancouver" in applied.zones
    assert "Europe/Paris" not in applied.zones
    assert sequences() == {"vancouver-coffee": 1, "paris-coffee": 0}


def etag(client, slug: str) -> str:
    return client.get(f"/feeds/meetup/{slug}.ics").headers["ETag"]


def sequences() -> dict[str, int]:
    db.session.expire_all()
    return dict(db.session.execute(select(Meetup.slug, Meetup.sequence)).all())
