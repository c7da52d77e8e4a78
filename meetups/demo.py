"""Demo directory: plausible Open Coffee-style meetups so a newcomer sees a real-looking site.

Venues are invented; pages flag every demo listing as such.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from meetups.models import (
    City,
    CoordinateSource,
    Meetup,
    MeetupChange,
    MeetupStatus,
    Venue,
    tags_named,
)
from meetups.schedule import Occurrence
from meetups.slugs import slugify


class MissingCity(LookupError):
    """The demo needs a city that the gazetteer has not loaded."""


@dataclass(frozen=True)
class DemoMeetup:
    country: str
    city: str
    venue: str
    address: str
    latitude: float
    longitude: float
    notes: str
    name: str
    rrule: str
    start: time
    minutes: int
    tags: tuple[str, ...]
    languages: str
    description: str
    confirmed_days_ago: int | None = 20
    status: MeetupStatus = MeetupStatus.ACTIVE


WIFI = "Wifi, a few power sockets; quieter upstairs."
MEETUPS = (
    DemoMeetup(
        "FR",
        "Paris",
        "Café des Bâtisseurs",
        "12 rue de la Fontaine au Roi, 75011 Paris",
        48.8691,
        2.3707,
        WIFI,
        "Open Coffee Paris",
        "FREQ=WEEKLY;BYDAY=TH",
        time(9),
        120,
        ("startups", "open-coffee"),
        "fr,en",
        "Entrepreneurs, freelancers and the curious meet **every Thursday morning**. "
        "No talks, no badges: buy a coffee and say hello.",
    ),
    DemoMeetup(
        "FR",
        "Lille",
        "Le Comptoir Vauban",
        "3 place Vauban, 59000 Lille",
        50.6335,
        3.0487,
        "Big shared table at the back.",
        "Open Coffee Lille",
        "FREQ=WEEKLY;BYDAY=TU",
        time(8, 30),
        90,
        ("startups", "open-coffee"),
        "fr",
        "Le rendez-vous des entrepreneurs lillois, chaque mardi matin.",
    ),
    DemoMeetup(
        "FR",
        "Lyon",
        "La Tasse Confluence",
        "8 cours Charlemagne, 69002 Lyon",
        45.7469,
        4.8262,
        WIFI,
        "Lyon Startup Coffee",
        "FREQ=MONTHLY;BYDAY=1TU",
        time(18, 30),
        120,
        ("startups",),
        "fr",
        "First Tuesday of each month, after work.",
    ),
    DemoMeetup(
        "GB",
        "London",
        "The Copper Kettle",
        "41 Old Street, London EC1V 9HX",
        51.5255,
        -0.0925,
        "Ask for the long table by the window.",
        "Silicon Roundabout Open Coffee",
        "FREQ=WEEKLY;BYDAY=TH",
        time(8, 30),
        120,
        ("startups", "open-coffee", "tech"),
        "en",
        "The original format: Thursday mornings, anyone welcome.",
    ),
    DemoMeetup(
        "DE",
        "Berlin",
        "Kaffeebar am Kanal",
        "Paul-Lincke-Ufer 20, 10999 Berlin",
        52.4946,
        13.4247,
        WIFI,
        "Berlin Founders Coffee",
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=WE;WKST=MO",
        time(9),
        90,
        ("startups", "founders"),
        "de,en",
        "Every other Wednesday. Founders, makers, investors.",
    ),
    DemoMeetup(
        "DE",
        "Köln",
        "Café Domblick",
        "Am Hof 14, 50667 Köln",
        50.9397,
        6.9583,
        WIFI,
        "Open Coffee Köln",
        "FREQ=MONTHLY;BYDAY=-1FR",
        time(8),
        120,
        ("open-coffee",),
        "de",
        "Am letzten Freitag im Monat.",
    ),
    DemoMeetup(
        "NL",
        "Amsterdam",
        "Koffiehuis De Gracht",
        "Prinsengracht 180, 1016 HB Amsterdam",
        52.3745,
        4.8842,
        "Canal-side; outdoor seats in summer.",
        "Amsterdam Open Coffee",
        "FREQ=WEEKLY;BYDAY=FR",
        time(8, 30),
        90,
        ("startups", "open-coffee"),
        "nl,en",
        "Friday mornings by the canal.",
    ),
    DemoMeetup(
        "BE",
        "Brussels",
        "Le Grain de Sable",
        "Rue du Marché au Charbon 54, 1000 Bruxelles",
        50.8468,
        4.3490,
        WIFI,
        "Brussels Open Coffee",
        "FREQ=MONTHLY;BYDAY=2TH",
        time(8, 30),
        120,
        ("open-coffee",),
        "fr,nl,en",
        "Second Thursday of the month.",
        confirmed_days_ago=240,
    ),
    DemoMeetup(
        "ES",
        "Barcelona",
        "Cafè del Born",
        "Carrer de la Princesa 22, 08003 Barcelona",
        41.3851,
        2.1801,
        WIFI,
        "Barcelona Tech Coffee",
        "FREQ=WEEKLY;BYDAY=MO,TH",
        time(9, 30),
        90,
        ("tech", "startups"),
        "es,ca,en",
        "Mondays and Thursdays.",
    ),
    DemoMeetup(
        "PT",
        "Lisbon",
        "Pastelaria Rossio",
        "Praça Dom Pedro IV 30, 1100-200 Lisboa",
        38.7139,
        -9.1394,
        "Pastéis de nata, of course.",
        "Lisbon Nomad Coffee",
        "FREQ=WEEKLY;BYDAY=WE",
        time(10),
        120,
        ("nomads", "startups"),
        "pt,en",
        "Remote workers and founders, every Wednesday.",
        status=MeetupStatus.PAUSED,
    ),
    DemoMeetup(
        "US",
        "New York City",
        "Grindstone Coffee",
        "122 W 26th St, New York, NY 10001",
        40.7457,
        -73.9929,
        WIFI,
        "NYC Open Coffee",
        "FREQ=WEEKLY;BYDAY=TU",
        time(8),
        90,
        ("startups", "open-coffee"),
        "en",
        "Tuesday mornings in Chelsea.",
    ),
    DemoMeetup(
        "US",
        "San Francisco",
        "Mission Bean",
        "2301 Mission St, San Francisco, CA 94110",
        37.7606,
        -122.4193,
        WIFI,
        "SF Founders Coffee",
        "FREQ=MONTHLY;BYDAY=1FR",
        time(8, 30),
        90,
        ("founders", "tech"),
        "en",
        "First Friday, early.",
    ),
    DemoMeetup(
        "CA",
        "Montréal",
        "Café du Plateau",
        "4201 boulevard Saint-Laurent, Montréal, QC",
        45.5191,
        -73.5844,
        WIFI,
        "Open Coffee Montréal",
        "FREQ=WEEKLY;BYDAY=TH",
        time(8),
        120,
        ("open-coffee", "startups"),
        "fr,en",
        "Les jeudis matin, bilingue.",
    ),
    DemoMeetup(
        "AU",
        "Sydney",
        "Harbour Brew",
        "88 George St, The Rocks NSW 2000",
        -33.8599,
        151.2090,
        WIFI,
        "Sydney Startup Coffee",
        "FREQ=WEEKLY;BYDAY=WE",
        time(7, 30),
        90,
        ("startups",),
        "en",
        "Early Wednesdays by the harbour.",
    ),
    DemoMeetup(
        "JP",
        "Tokyo",
        "Shibuya Kissa",
        "2-21-1 Shibuya, Tokyo 150-0002",
        35.6590,
        139.7037,
        "English and Japanese spoken.",
        "Tokyo Open Coffee",
        "FREQ=MONTHLY;BYDAY=-1SA",
        time(10),
        120,
        ("open-coffee", "tech"),
        "ja,en",
        "Last Saturday of the month.",
    ),
)


def seed(session: Session, now: datetime | None = None) -> int:
    """Add the demo meetups with a cancelled and two moved dates; returns how many."""
    now = now or datetime.now(UTC)
    meetups = {entry.name: _add(session, entry, now) for entry in MEETUPS}
    session.flush()
    _add_changes(session, meetups, now)
    session.commit()
    return len(meetups)


def remove(session: Session) -> int:
    """Delete demo meetups and venues; tags stay, volunteers may be using them."""
    demo_meetups = list(session.scalars(select(Meetup).where(Meetup.is_demo)))
    for meetup in demo_meetups:
        session.delete(meetup)
    session.flush()
    session.execute(delete(Venue).where(Venue.is_demo))
    session.commit()
    return len(demo_meetups)


def _add(session: Session, entry: DemoMeetup, now: datetime) -> Meetup:
    city = _city(session, entry.country, entry.city)
    venue = Venue(
        slug=slugify(f"{entry.venue} {city.name}"),
        name=entry.venue,
        address=entry.address,
        city=city,
        latitude=entry.latitude,
        longitude=entry.longitude,
        coordinates_source=CoordinateSource.MANUAL,
        coordinates_updated_at=now,
        timezone=city.timezone,
        notes=entry.notes,
        is_demo=True,
    )
    confirmed = entry.confirmed_days_ago
    meetup = Meetup(
        slug=slugify(entry.name),
        name=entry.name,
        description=entry.description,
        venue=venue,
        rrule=entry.rrule,
        start_time=entry.start,
        duration_minutes=entry.minutes,
        timezone=city.timezone,
        first_date=date(2024, 1, 1),
        status=entry.status,
        status_since=None if entry.status == MeetupStatus.ACTIVE else now.date() - timedelta(30),
        languages=entry.languages,
        last_confirmed=None if confirmed is None else now.date() - timedelta(days=confirmed),
        tags=tags_named(session, [slug.replace("-", " ").capitalize() for slug in entry.tags]),
        is_demo=True,
    )
    session.add(meetup)
    return meetup


def _city(session: Session, country: str, name: str) -> City:
    city = session.scalar(
        select(City)
        .where(City.country_code == country, City.name == name)
        .order_by(City.population.desc())
        .limit(1)
    )
    if city is None:
        raise MissingCity(f"The demo needs {name} ({country}), which is not loaded.")
    return city


def _add_changes(session: Session, meetups: dict[str, Meetup], now: datetime) -> None:
    """One cancelled date, one moved in time and place, one moved to another day."""
    paris, london, lille = (
        meetups["Open Coffee Paris"],
        meetups["Silicon Roundabout Open Coffee"],
        meetups["Open Coffee Lille"],
    )
    cancelled = _coming(paris, now, 2)
    session.add(
        MeetupChange(
            meetup=paris,
            original_date=cancelled.original_date,
            cancelled=True,
            note="The café is closed for a private event.",
        )
    )
    moved = _coming(london, now, 3)
    session.add(
        MeetupChange(
            meetup=london,
            original_date=moved.original_date,
            new_start_time=time(9, 30),
            venue_id=_second_london_venue(session, london),
            note="Just this once, at the bakery round the corner, an hour later.",
        )
    )
    lille_date = _coming(lille, now, 2).original_date
    session.add(
        MeetupChange(
            meetup=lille,
            original_date=lille_date,
            new_date=lille_date + timedelta(days=1),
            note="Moved to Wednesday this week (bank holiday).",
        )
    )


def _second_london_venue(session: Session, london: Meetup) -> int:
    venue = Venue(
        slug="bread-and-bean-london",
        name="Bread & Bean",
        address="12 Bunhill Row, London EC1Y 8ND",
        city=london.venue.city,
        latitude=51.5230,
        longitude=-0.0883,
        coordinates_source=CoordinateSource.MANUAL,
        timezone=london.venue.timezone,
        notes="Bakery with a back room.",
        is_demo=True,
    )
    session.add(venue)
    session.flush()
    return venue.id


def _coming(meetup: Meetup, now: datetime, nth: int) -> Occurrence:
    return meetup.next_dates(now, nth)[nth - 1]
