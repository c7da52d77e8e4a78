"""Geocoding venues: geopy's real HTTP path against a local Nominatim stand-in.

Whatever the geocoder does (answers, finds nothing, is slow, fails, talks
nonsense), the venue is saved with honest coordinates and a readable reason,
each address is asked once, requests keep their pace, and a volunteer's own
pin is never moved.
"""

from __future__ import annotations

import gc
import itertools
import math
import re
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from meetups import create_app
from meetups.config import ConfigError
from meetups.extensions import db
from meetups.models import CoordinateSource, GeocodeAnswer, Meetup, Venue
from meetups.places.geocoding import (
    Answer,
    CityCentre,
    Geocoder,
    GeocoderSettings,
    manual_location,
    query_key,
    query_text,
    resolve,
    timezone_at,
)
from meetups.places.locating import DatabaseCache, locate_venue, settings_from_config
from tests.nominatim_stub import NominatimStub, Place, Scenario

USER_AGENT = "meetups-tests/1.0 (tests@meetups.test)"
TIMEOUT = 0.3
NOW = datetime(2025, 3, 1, 12, tzinfo=UTC)
PARIS = CityCentre("Paris", "FR", "France", 48.8534, 2.3488)
LOUVRE = Place(48.8606, 2.3376, "Louvre, Rue de Rivoli, Paris, France")
HENDAYE = Place(43.3586, -1.7747, "Gare, Hendaye, France")


class MemoryCache(dict[str, Answer]):
    """The cache protocol in a dict, for tests without a database."""

    def put(self, key: str, answer: Answer) -> None:
        self[key] = answer


@pytest.fixture
def stub() -> Iterator[NominatimStub]:
    with NominatimStub(place=LOUVRE) as running:
        yield running


def stub_settings(stub: NominatimStub, **overrides: object) -> GeocoderSettings:
    options = {
        "enabled": True,
        "domain": stub.domain,
        "scheme": "http",
        "user_agent": USER_AGENT,
        "timeout": TIMEOUT,
        "min_delay_seconds": 0.0,
        **overrides,
    }
    return GeocoderSettings(**options)  # type: ignore[arg-type]


def stub_config(stub: NominatimStub) -> dict[str, object]:
    return {
        "GEOCODER_ENABLED": True,
        "GEOCODER_DOMAIN": stub.domain,
        "GEOCODER_SCHEME": "http",
        "GEOCODER_USER_AGENT": USER_AGENT,
        "GEOCODER_TIMEOUT": TIMEOUT,
        "GEOCODER_MIN_DELAY": 0.0,
    }


def approximate_venue(make_venue, name: str = "Café Central", **overrides) -> Venue:
    return make_venue(
        name,
        latitude=None,
        longitude=None,
        coordinates_source=CoordinateSource.GAZETTEER,
        **overrides,
    )


def saved(venue: Venue) -> Venue:
    """The venue as another request would read it."""
    db.session.commit()
    db.session.expire_all()
    return db.session.get_one(Venue, venue.id)


# Pure: keys, coordinates, time zones, settings.


@pytest.mark.parametrize(
    "spelling",
    [
        "12 Rue de Rivoli",
        "12 rue de rivoli",
        "12  RUE DE RIVOLI ",
        "12, rue de Rivoli.",
        "12 Rúe dé Rivoli",
    ],
)
def test_query_key_is_the_same_however_an_address_is_typed(spelling):
    assert query_key(spelling, "PARIS", "fr") == query_key("12 Rue de Rivoli", "Paris", "FR")


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (("Hauptstraße 5", "Köln", "DE"), ("Hauptstrasse 5", "Koln", "DE")),
        (("Ørstedsvej 1", "Aarhus", "DK"), ("orstedsvej 1", "aarhus", "dk")),
    ],
)
def test_query_key_folds_letters_without_accents(first, second):
    assert query_key(*first) == query_key(*second)


@pytest.mark.parametrize(
    "other",
    [
        ("12 Rue de Rivoli", "Lyon", "FR"),
        ("12 Rue de Rivoli", "Paris", "US"),
        ("14 Rue de Rivoli", "Paris", "FR"),
    ],
)
def test_query_key_tells_places_apart(other):
    assert query_key(*other) != query_key("12 Rue de Rivoli", "Paris", "FR")


def test_query_key_fits_the_cache_column_and_stays_distinct():
    long_address = "Résidence " + "très " * 100

    first = query_key(long_address + "A", "Paris", "FR")
    second = query_key(long_address + "B", "Paris", "FR")

    assert len(first) <= 500 and len(second) <= 500 and first != second


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("12 Rue de Rivoli", "12 Rue de Rivoli, Paris, France"),
        ("12 Rue de Rivoli, 75001 Paris", "12 Rue de Rivoli, 75001 Paris, France"),
        ("3 Avenue de Paris", "3 Avenue de Paris, Paris, France"),
    ],
)
def test_query_names_city_and_country_once(address, expected):
    assert query_text(address, PARIS) == expected


@pytest.mark.parametrize(
    ("latitude", "longitude"),
    [(90, 180), (-90, -180), (0, 0), (48.8566, 2.3522), (-33.8688, 151.2093)],
)
def test_manual_coordinates_in_range_are_kept_as_typed(latitude, longitude):
    location = manual_location(latitude, longitude)

    assert (location.latitude, location.longitude, location.source) == (
        latitude,
        longitude,
        "manual",
    )
    assert location.error is None and not location.is_approximate


@pytest.mark.parametrize(
    ("latitude", "longitude", "message"),
    [
        (90.0001, 0, "Latitude must be a number between -90 and 90"),
        (-91, 0, "Latitude must be a number between -90 and 90"),
        (math.nan, 0, "Latitude must be a number between -90 and 90"),
        (math.inf, 0, "Latitude must be a number between -90 and 90"),
        (0, 180.5, "Longitude must be a number between -180 and 180"),
        (0, -181, "Longitude must be a number between -180 and 180"),
        (0, math.nan, "Longitude must be a number between -180 and 180"),
        (0, -math.inf, "Longitude must be a number between -180 and 180"),
    ],
)
def test_impossible_manual_coordinates_are_refused_clearly(latitude, longitude, message):
    with pytest.raises(ValueError, match=message):
        manual_location(latitude, longitude)


@pytest.mark.parametrize(
    ("place", "latitude", "longitude", "zone"),
    [
        ("Hendaye", 43.3586, -1.7747, "Europe/Paris"),
        ("Irun, across the Bidasoa", 43.3390, -1.7894, "Europe/Madrid"),
        ("Detroit", 42.3314, -83.0458, "America/Detroit"),
        ("Windsor, across the river", 42.3149, -83.0364, "America/Toronto"),
        ("Sovetsk, Kaliningrad", 55.0817, 21.8867, "Europe/Kaliningrad"),
        ("Panemunė, across the Neman", 55.0880, 21.9000, "Europe/Vilnius"),
    ],
)
def test_time_zone_follows_coordinates_across_borders(place, latitude, longitude, zone):
    assert timezone_at(latitude, longitude, fallback="UTC") == zone, place


@pytest.mark.parametrize(
    ("latitude", "longitude"),
    [(45.0, -30.0), (0.0, -160.0), (math.nan, 0.0), (91.0, 0.0)],
    ids=["mid-Atlantic", "mid-Pacific", "not a number", "beyond the pole"],
)
def test_time_zone_at_sea_or_nowhere_is_the_fallback(latitude, longitude):
    assert timezone_at(latitude, longitude, fallback="Europe/Lisbon") == "Europe/Lisbon"


def test_enabling_the_geocoder_without_a_user_agent_refuses_to_start():
    with pytest.raises(ConfigError, match="MEETUPS_GEOCODER_USER_AGENT is required"):
        create_app({"TESTING": True, "GEOCODER_ENABLED": True})


@pytest.mark.parametrize(
    ("provider", "message"),
    [
        ("no-such-geocoder", "MEETUPS_GEOCODER_PROVIDER: 'no-such-geocoder' is not a geopy"),
        ("opencage", "MEETUPS_GEOCODER_API_KEY is required by the opencage geocoder"),
        ("geonames", "the geonames geocoder needs 'username'"),
    ],
)
def test_a_provider_that_cannot_work_refuses_to_start(provider, message):
    config = {"TESTING": True, "GEOCODER_ENABLED": True, "GEOCODER_USER_AGENT": USER_AGENT}

    with pytest.raises(ConfigError, match=re.escape(message)):
        create_app({**config, "GEOCODER_PROVIDER": provider})


def test_the_geocoding_chain_imports_no_flask():
    code = (
        "import sys, meetups.places.geocoding; "
        "print(sorted({'flask', 'sqlalchemy'} & set(sys.modules)))"
    )

    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )

    assert result.stdout.strip() == "[]"


def test_geopy_is_imported_only_when_geocoding_is_on(stub):
    """A worker that never geocodes is spared geopy's memory; one that does still geocodes."""
    stub.by_text = {"failing": Scenario.ERROR_500}
    settings = stub_settings(stub)
    code = textwrap.dedent(
        f"""
        import sys
        from meetups.places.geocoding import CityCentre, Geocoder, GeocoderSettings

        class Cache(dict):
            def put(self, key, answer):
                self[key] = answer

        paris = {PARIS!r}
        off = Geocoder(GeocoderSettings()).locate("12 Rue de Rivoli", paris, Cache())
        print(off.error, "|", "geopy" in sys.modules, "requests" in sys.modules)
        on = Geocoder({settings!r})
        found = on.locate("12 Rue de Rivoli", paris, Cache())
        failed = on.locate("1 Failing Street", paris, Cache())
        print(found.source, found.display_name, "|", failed.error, "|", "geopy" in sys.modules)
        """
    )

    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )

    assert result.stdout.splitlines() == [
        "geocoding is turned off | False False",
        f"geocoder {LOUVRE.display_name} | the geocoder answered with an error (HTTP 500) | True",
    ]


def test_geocoder_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("MEETUPS_GEOCODER_ENABLED", "true")
    monkeypatch.setenv("MEETUPS_GEOCODER_USER_AGENT", USER_AGENT)
    monkeypatch.setenv("MEETUPS_GEOCODER_MIN_DELAY", "1.5")
    monkeypatch.setenv("MEETUPS_GEOCODER_TIMEOUT", "3")

    settings = settings_from_config(create_app({"TESTING": True}).config)

    assert settings == GeocoderSettings(
        enabled=True, user_agent=USER_AGENT, timeout=3.0, min_delay_seconds=1.5
    )


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("MEETUPS_GEOCODER_MIN_DELAY", "one second", "must be a number, not 'one second'"),
        ("MEETUPS_GEOCODER_MIN_DELAY", "-1", "must be a number of seconds, 0 or more"),
        ("MEETUPS_GEOCODER_TIMEOUT", "0", "must be a number of seconds above 0"),
        ("MEETUPS_GEOCODER_TIMEOUT", "nan", "must be a number of seconds above 0"),
    ],
)
def test_malformed_geocoder_numbers_are_clear_errors(monkeypatch, variable, value, message):
    monkeypatch.setenv(variable, value)

    with pytest.raises(ConfigError) as refused:
        create_app({"TESTING": True})

    assert f"{variable} {message}" in str(refused.value)


# Against the stub, without a database.


def test_disabled_geocoder_sends_nothing_and_uses_the_city_centre(stub):
    geocoder = Geocoder(stub_settings(stub, enabled=False))

    location = geocoder.locate("12 Rue de Rivoli", PARIS, MemoryCache())

    assert (location.latitude, location.longitude) == (PARIS.latitude, PARIS.longitude)
    assert location.is_approximate and location.error == "geocoding is turned off"
    assert stub.requests == []


def test_manual_coordinates_win_without_asking(stub):
    location = resolve(
        (48.85, 2.35), "12 Rue de Rivoli", PARIS, Geocoder(stub_settings(stub)), MemoryCache()
    )

    assert location == manual_location(48.85, 2.35)
    assert stub.requests == []


def test_the_geocoder_is_asked_politely(stub):
    Geocoder(stub_settings(stub)).locate("12 Rue de Rivoli", PARIS, MemoryCache())

    [request] = stub.requests
    assert request.user_agent == USER_AGENT
    assert request.path == "/search"
    assert request.params["q"] == "12 Rue de Rivoli, Paris, France"
    assert request.params["countrycodes"] == "fr"
    assert request.params["format"] in {"json", "jsonv2"}


@pytest.fixture
def no_collection_pauses() -> Iterator[None]:
    """A full garbage collection (~0.1 s here) during a request delays its arrival at the stub
    and shortens the measured gap, though the rate limiter sent it on time."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@pytest.mark.parametrize("threads", [1, 3], ids=["one after another", "from parallel threads"])
@pytest.mark.usefixtures("no_collection_pauses")
def test_rate_limit_spaces_requests(stub, threads):
    delay = 0.2
    geocoder = Geocoder(stub_settings(stub, min_delay_seconds=delay))
    cache = MemoryCache()

    def geocode(first: int) -> None:
        for number in range(first, 6, threads):
            geocoder.locate(f"{number} Rue de Rivoli", PARIS, cache)

    workers = [threading.Thread(target=geocode, args=(first,)) for first in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    arrivals = sorted(request.arrived for request in stub.requests)
    gaps = [later - earlier for earlier, later in itertools.pairwise(arrivals)]
    assert len(arrivals) == 6
    assert min(gaps) >= delay - 0.02, gaps


def test_an_unreachable_geocoder_means_the_city_centre(stub):
    settings = stub_settings(stub, domain="127.0.0.1:9")  # the discard port: nothing listens

    location = Geocoder(settings).locate("12 Rue de Rivoli", PARIS, MemoryCache())

    assert location.is_approximate and location.retry_later
    assert location.error == "the geocoder could not be reached"


# Saved venues, on SQLite and PostgreSQL.

OUTCOMES = {
    Scenario.FOUND: ("geocoder", None, False),
    Scenario.NOTHING: ("gazetteer", "no place found for this address", False),
    Scenario.SLOW: ("gazetteer", f"the geocoder did not answer in {TIMEOUT} s", True),
    Scenario.ERROR_500: ("gazetteer", "the geocoder answered with an error (HTTP 500)", True),
    Scenario.ERROR_503: ("gazetteer", "the geocoder answered with an error (HTTP 503)", True),
    Scenario.MALFORMED: ("gazetteer", "the geocoder's answer could not be read", True),
    Scenario.WRONG_SHAPE: ("gazetteer", "the geocoder's answer could not be read", True),
}


@pytest.mark.parametrize("scenario", list(OUTCOMES))
def test_every_answer_ends_in_a_saved_venue(stub, make_city, make_venue, scenario):
    stub.scenario = scenario
    city = make_city("Paris", latitude=PARIS.latitude, longitude=PARIS.longitude)
    venue = approximate_venue(make_venue, city=city, address="12 Rue de Rivoli")
    source, error, retry_later = OUTCOMES[scenario]

    location = locate_venue(db.session, venue, Geocoder(stub_settings(stub)), now=NOW)
    venue = saved(venue)

    expected = (
        (LOUVRE if source == "geocoder" else PARIS).latitude,
        (LOUVRE if source == "geocoder" else PARIS).longitude,
    )
    assert (venue.latitude, venue.longitude) == expected
    assert venue.coordinates_source == source
    assert venue.coordinates_updated_at == NOW
    assert venue.timezone == "Europe/Paris"
    assert (location.error, location.retry_later) == (error, retry_later)


def test_answers_are_cached_but_failures_are_asked_again(stub, make_venue):
    first = approximate_venue(make_venue, "Found", address="12 Rue de Rivoli")
    second = approximate_venue(make_venue, "Nowhere", address="1 Nowhere Lane")
    third = approximate_venue(make_venue, "Failing", address="5 Failing Street")
    stub.by_text = {"nowhere": Scenario.NOTHING, "failing": Scenario.ERROR_500}
    geocoder = Geocoder(stub_settings(stub))

    for _ in range(2):
        for venue in (first, second, third):
            locate_venue(db.session, venue, geocoder, now=NOW)
        db.session.commit()

    asked = sorted(request.text.split(",")[0] for request in stub.requests)
    assert asked == sorted(["12 Rue de Rivoli", "1 Nowhere Lane", *["5 Failing Street"] * 2])
    assert db.session.scalar(select(func.count(GeocodeAnswer.id))) == 2


def test_the_same_address_typed_differently_is_asked_once(stub, make_venue):
    geocoder = Geocoder(stub_settings(stub))
    venues = [
        approximate_venue(make_venue, "Café A", address="12 Rue de Rivoli"),
        approximate_venue(make_venue, "Café B", address="12,  rue de RIVOLI"),
        approximate_venue(make_venue, "Café C", address="12 Rüe de Rivoli"),
    ]

    for venue in venues:
        locate_venue(db.session, venue, geocoder, now=NOW)
        db.session.commit()

    assert len(stub.requests) == 1
    assert {(saved(v).latitude, saved(v).coordinates_source) for v in venues} == {
        (LOUVRE.latitude, "geocoder")
    }


def test_a_parallel_worker_caching_the_same_answer_is_no_error(app, stub):
    answer = Answer(True, 1.0, 2.0, "Somewhere", "nominatim")
    with Session(db.engine) as other_worker:
        DatabaseCache(other_worker).put("fr|paris|1 rue a", answer)
        other_worker.commit()

    DatabaseCache(db.session).put("fr|paris|1 rue a", Answer(False, provider="nominatim"))
    db.session.commit()

    assert DatabaseCache(db.session).get("fr|paris|1 rue a") == answer


def test_a_venue_and_its_meetups_follow_the_zone_of_their_coordinates(
    stub, make_city, make_venue, make_meetup
):
    stub.place = HENDAYE  # the address is in Hendaye, France; the venue was filed under Irun
    irun = make_city("Irun", "ES", "Spain", "Europe/Madrid", 43.3390, -1.7894)
    venue = approximate_venue(make_venue, "Bar Frontera", city=irun, address="Gare")
    meetup = make_meetup("Border Coffee", venue=venue)

    locate_venue(db.session, venue, Geocoder(stub_settings(stub)), now=NOW)
    venue = saved(venue)

    assert venue.timezone == "Europe/Paris"
    assert db.session.get_one(Meetup, meetup.id).timezone == "Europe/Paris"


def test_manual_coordinates_are_never_overwritten(stub, make_venue):
    venue = make_venue(address="12 Rue de Rivoli", latitude=48.9, longitude=2.4)
    geocoder = Geocoder(stub_settings(stub))

    kept = locate_venue(db.session, venue, geocoder, now=NOW)
    venue = saved(venue)

    assert kept.source == "manual" and stub.requests == []
    assert (venue.latitude, venue.longitude, venue.coordinates_source) == (48.9, 2.4, "manual")

    locate_venue(db.session, venue, geocoder, manual=(48.85, 2.29), now=NOW)
    venue = saved(venue)

    assert (venue.latitude, venue.longitude, venue.coordinates_source) == (48.85, 2.29, "manual")
    assert venue.coordinates_updated_at == NOW and stub.requests == []


def test_impossible_manual_coordinates_leave_the_venue_untouched(stub, make_venue):
    venue = make_venue(latitude=48.9, longitude=2.4)

    with pytest.raises(ValueError, match="Latitude"):
        locate_venue(db.session, venue, Geocoder(stub_settings(stub)), manual=(123, 2), now=NOW)

    assert (saved(venue).latitude, saved(venue).longitude) == (48.9, 2.4)


# The geocode-venues command.


def test_geocode_venues_places_approximate_venues_and_reports(app, stub, make_venue):
    manual = make_venue("Pinned", address="1 Pinned Place", latitude=48.9, longitude=2.4)
    missing = approximate_venue(make_venue, "Missing", address="12 Rue de Rivoli")
    nowhere = approximate_venue(make_venue, "Nowhere", address="1 Nowhere Lane")
    failing = approximate_venue(make_venue, "Failing", address="5 Failing Street")
    geocoded = make_venue(
        "Done", address="2 Rue Done", coordinates_source=CoordinateSource.GEOCODER
    )
    stub.by_text = {"nowhere": Scenario.NOTHING, "failing": Scenario.SLOW}
    app.config.update(stub_config(stub))

    result = app.test_cli_runner().invoke(args=["geocode-venues"])

    assert result.exit_code == 0, result.output
    assert "1 geocoded, 1 still approximate, 1 failed" in result.output
    assert f"{nowhere.slug}: no place found for this address" in result.output
    assert f"{failing.slug}: the geocoder did not answer in {TIMEOUT} s" in result.output
    assert sorted(r.text.split(",")[0] for r in stub.requests) == sorted(
        ["12 Rue de Rivoli", "1 Nowhere Lane", "5 Failing Street"]
    )
    db.session.expire_all()
    assert saved(missing).coordinates_source == "geocoder"
    assert (saved(manual).latitude, saved(manual).coordinates_source) == (48.9, "manual")
    assert saved(geocoded).coordinates_updated_at is None


def test_geocode_venues_resumes_where_it_stopped(app, stub, make_venue):
    venues = [
        approximate_venue(make_venue, f"Café {n}", address=f"{n} Rue de Rivoli") for n in range(4)
    ]
    venues.append(approximate_venue(make_venue, "Nowhere", address="1 Nowhere Lane"))
    stub.by_text = {"nowhere": Scenario.NOTHING}
    app.config.update(stub_config(stub))
    runner = app.test_cli_runner()

    interrupted = runner.invoke(args=["geocode-venues", "--limit", "2"])
    resumed = runner.invoke(args=["geocode-venues"])
    again = runner.invoke(args=["geocode-venues"])

    assert "2 geocoded, 0 still approximate" in interrupted.output
    assert "2 geocoded, 1 still approximate" in resumed.output
    assert "0 geocoded, 1 still approximate" in again.output
    assert len(stub.requests) == 5  # each address once; "nothing found" was not asked again
    assert [saved(v).coordinates_source for v in venues] == ["geocoder"] * 4 + ["gazetteer"]


def test_geocode_venues_refuses_when_geocoding_is_off(app, stub, make_venue):
    approximate_venue(make_venue)

    result = app.test_cli_runner().invoke(args=["geocode-venues"])

    assert result.exit_code == 1
    assert "Geocoding is disabled" in result.output
    assert "MEETUPS_GEOCODER_ENABLED=true" in result.output
    assert stub.requests == []
