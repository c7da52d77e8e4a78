"""Property-based tests (Hypothesis): schedules against a real calendar parser, and every
form and query parameter against the site, which must never answer 500.

Examples are derandomised, so CI runs the same ones every time and a failure is
reproducible; `MEETUPS_FUZZ_EXAMPLES=2000 pytest tests/test_fuzz.py` explores further.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import quote, quote_from_bytes
from zoneinfo import ZoneInfo

import pytest
from bs4 import BeautifulSoup
from flask import g
from flask.testing import FlaskClient
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict
from werkzeug.test import TestResponse

from meetups.extensions import db
from meetups.feeds.ical import CalendarInfo, Place, SeriesRecord, build_calendar
from meetups.models import Role
from meetups.schedule import (
    MAX_DURATION,
    MAX_INTERVAL,
    WEEKS_OF_MONTH,
    Change,
    Occurrence,
    Rule,
    Schedule,
    occurrences,
)
from meetups.web import rate_limits
from tests.calendar_parsers import Window, read_with_ical, read_with_icalendar
from tests.conftest import PASSWORD, AuthActions

EXAMPLES = int(os.environ.get("MEETUPS_FUZZ_EXAMPLES", "0") or 0)


def fuzz_settings(examples: int, **extra: object) -> settings:
    """Bounded, deterministic runs; function-scoped fixtures are reset by each test itself."""
    return settings(
        max_examples=EXAMPLES or examples,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        **extra,
    )


# --- Schedules, RRULE text and a real parser ------------------------------------------------

# Zones with every kind of daylight-saving rule the directory meets: none (Kolkata), northern
# and southern summers, changes at midnight (Santiago), on a Friday (Tel Aviv), by 45 minutes
# off the hour (Chatham).
ZONES = (
    "Europe/Paris",
    "America/New_York",
    "Australia/Sydney",
    "America/Santiago",
    "Asia/Jerusalem",
    "Asia/Kolkata",
    "Pacific/Chatham",
)

weekly_rules = st.builds(
    lambda days, interval: Rule("WEEKLY", tuple(days), interval),
    st.sets(st.integers(0, 6), min_size=1),
    st.integers(1, MAX_INTERVAL),
)
monthly_rules = st.builds(
    lambda day, nth: Rule("MONTHLY", (day,), week_of_month=nth),
    st.integers(0, 6),
    st.sampled_from(WEEKS_OF_MONTH),
)
rules = st.one_of(weekly_rules, monthly_rules)

# Any minute of the day, with the hours that clock changes skip or repeat drawn more often:
# 00:xx (Santiago), 01:xx-03:xx (Europe, America, Australia, Israel), 02:45-03:45 (Chatham).
start_times = st.one_of(
    st.builds(time, st.integers(0, 23), st.integers(0, 59)),
    st.builds(time, st.integers(0, 3), st.integers(0, 59)),
)
durations = st.integers(1, int(MAX_DURATION / timedelta(minutes=1))).map(
    lambda minutes: timedelta(minutes=minutes)
)


@st.composite
def any_schedules(draw: st.DrawFn) -> Schedule:
    first = draw(st.dates(date(2020, 1, 1), date(2035, 12, 31)))
    end = draw(st.none() | st.integers(0, 500).map(lambda days: first + timedelta(days=days)))
    return Schedule(
        rule=draw(rules),
        start_time=draw(start_times),
        duration=draw(durations),
        timezone=draw(st.sampled_from(ZONES)),
        first_date=first,
        end_date=end,
    )


@functools.cache
def _skipped_or_repeated_minutes(zone: str, year: int) -> tuple[datetime, ...]:
    """Every local wall-clock minute of a year that a clock change skips or repeats."""
    tz = ZoneInfo(zone)
    found = []
    day = date(year, 1, 1)
    while day.year == year:
        noon = [
            datetime.combine(day + timedelta(days), time(12), tz).utcoffset() for days in (0, 1)
        ]
        if noon[0] != noon[1]:
            for days in (0, 1):
                start = datetime.combine(day + timedelta(days), time())
                for minute in range(24 * 60):
                    local = start + timedelta(minutes=minute)
                    fold0, fold1 = local.replace(tzinfo=tz), local.replace(tzinfo=tz, fold=1)
                    if fold0.utcoffset() != fold1.utcoffset():
                        found.append(local)
        day += timedelta(days=1)
    return tuple(sorted(set(found)))


@st.composite
def schedules_meeting_a_clock_change(draw: st.DrawFn) -> Schedule:
    """A series with a date whose start time a clock change skips or repeats, within its
    first year: by chance, only about one schedule in fifty would have one."""
    zone = draw(st.sampled_from([zone for zone in ZONES if zone != "Asia/Kolkata"]))
    moment = draw(
        st.sampled_from(_skipped_or_repeated_minutes(zone, draw(st.integers(2020, 2035))))
    )
    day = moment.date()
    if draw(st.booleans()):
        interval = draw(st.integers(1, MAX_INTERVAL))
        others = draw(st.sets(st.integers(0, 6)))
        rule = Rule("WEEKLY", (day.weekday(), *others), interval)
        if interval == 1:
            first = day - timedelta(days=draw(st.integers(0, 300)))
        else:
            # The same weekday whole intervals before: the series' weeks count from there.
            first = day - timedelta(weeks=draw(st.integers(0, 300 // (7 * interval))) * interval)
    else:
        nth = (day.day - 1) // 7 + 1
        last = (day + timedelta(weeks=1)).month != day.month
        week_of_month = -1 if last and (nth > 4 or draw(st.booleans())) else nth
        rule = Rule("MONTHLY", (day.weekday(),), week_of_month=week_of_month)
        first = day - timedelta(days=draw(st.integers(0, 300)))
    return Schedule(rule, moment.time(), draw(durations), zone, first, None)


schedules = st.one_of(any_schedules(), schedules_meeting_a_clock_change())


@given(rule=rules)
@fuzz_settings(300)
def test_every_rule_round_trips_through_its_rrule_text(rule: Rule) -> None:
    text = rule.to_rrule()

    assert Rule.from_rrule(text) == rule
    # Calendar apps may hand a rule back with another case, prefix or order of parts.
    reordered = ";".join(reversed(text.split(";")))
    assert Rule.from_rrule("rrule:" + reordered.lower()) == rule


@dataclass(frozen=True)
class Series:
    schedule: Schedule
    changes: tuple[Change, ...]
    window: Window


@st.composite
def series_with_changes(draw: st.DrawFn) -> Series:
    """A schedule, a year's window from its first date, and some of its dates cancelled
    or moved (to another time, or up to three days away)."""
    schedule = draw(schedules)
    window = Window(schedule.first_date - timedelta(days=1), schedule.first_date + timedelta(366))
    dates = [item.original_date for item in _expected(schedule, (), window)]
    assume(dates)
    chosen = draw(st.lists(st.sampled_from(dates), max_size=4, unique=True))
    changes = []
    for day in chosen:
        if draw(st.booleans()):
            changes.append(Change(day, cancelled=True, note="Cancelled"))
            continue
        new_date = day + timedelta(days=draw(st.integers(-3, 3)))
        new_time = draw(st.none() | start_times)
        change = Change(day, new_date=new_date, new_start_time=new_time, note="Moved")
        if new_date != day or new_time not in (None, schedule.start_time):
            changes.append(change)
    return Series(schedule, tuple(changes), window)


INFO = CalendarInfo(name="Fuzz", description="Generated series", url="https://meetups.test/")
CREATED = datetime(2019, 5, 1, 10, 0, tzinfo=UTC)


def _record(series: Series) -> SeriesRecord:
    return SeriesRecord(
        uid="fuzz@meetups.test",
        sequence=0,
        summary="Open Coffee",
        description="Generated",
        url="https://meetups.test/m/fuzz/",
        place=Place("Café", "1 Main Street"),
        categories=(),
        schedule=series.schedule,
        changes=series.changes,
        places={},
        created=CREATED,
        last_modified=CREATED,
    )


def _expected(schedule: Schedule, changes: tuple[Change, ...], window: Window) -> list[Occurrence]:
    return occurrences(schedule, changes, start=window.start, end=window.end)


@given(series=series_with_changes())
@fuzz_settings(100)
def test_a_feed_expands_to_the_schedule_modules_dates_in_calendar_parsers(
    series: Series,
) -> None:
    """The builder's feed, read by icalendar + recurring-ical-events and by ical over a year,
    gives the instants the schedule module computes, every start and every end, also for
    dates that start in a skipped or repeated hour or span a clock change.

    ical.js, which reads such hours its own way, is checked on chosen cases in
    test_clock_changes.py: starting node for each of a hundred examples costs too much.
    """
    feed = build_calendar(INFO, [_record(series)])
    expected = _expected(series.schedule, series.changes, series.window)
    for read in (read_with_icalendar, read_with_ical):
        parsed = read(feed, series.window).instances
        assert [(item.start, item.end) for item in parsed] == [
            (item.start.astimezone(UTC), item.end.astimezone(UTC)) for item in expected
        ], read.__name__


# --- Every parameter a visitor or volunteer can send: never a 500 -----------------------------

# Text as it arrives from browsers, robots and attackers: any Unicode (NUL and other control
# characters included), URL and SQL metacharacters, numbers in odd spellings, and huge strings.
ODD_VALUES = [
    "\x00",
    "a\x00b",
    "%",
    "_",
    "\\",
    "'; DROP TABLE meetups; --",
    "..",
    "../../etc/passwd",
    "<script>alert(1)</script>",
    "nan",
    "-inf",
    "1e400",
    "-0",
    "0x10",
    "١٢٣",
    "9" * 400,
    "2026-02-30",
    "0000-01-01",
    "9999-12-31",
    "10000-01-01",
    "24:00",
    "23:59:60",
    "\u202e\ufeff\u200d",
    "😀" * 50,
    " ",
    "\r\n",
]
texts = st.one_of(
    st.text(max_size=40),
    st.text(st.characters(max_codepoint=0x7F), max_size=20),
    st.sampled_from(ODD_VALUES),
    st.builds(lambda head, tail: f"{head}\x00{tail}", st.text(max_size=8), st.text(max_size=8)),
    st.builds(
        lambda part, size: (part * size)[:size],
        st.text(min_size=1, max_size=3),
        st.integers(101, 30_000),
    ),
)
slug_like = st.one_of(texts, st.sampled_from(["open-coffee", "cafe-central-paris", "paris", "fr"]))
VALID_PARAMETERS = ["fr", "FR", "paris", "open-coffee", "cafe-central-paris", "startups"]
VALID_PARAMETERS += ["active", "true", "1", "200", "2026-01-01", "2026-03-31", "48.85", "2.35", "5"]
VALID_PARAMETERS += ["0001-01-01", "9999-12-31"]
values = st.one_of(texts, st.sampled_from(VALID_PARAMETERS))
API_PARAMETERS = ["country", "city", "venue", "tag", "status", "q", "from", "to"]
API_PARAMETERS += ["include_cancelled", "lat", "lon", "km", "page", "per_page"]


@dataclass(frozen=True)
class Directory:
    city_id: int
    venue_slug: str
    meetup_slug: str


@pytest.fixture
def directory(app, make_city, make_venue, make_meetup) -> Directory:
    # Limits would soon turn every answer into a 429 and hide what lies behind them.
    for setting in rate_limits.LIMIT_SETTINGS:
        app.config[setting] = "1000000 per minute"
    paris = make_city("Paris", alternate_names=("Lutèce",))
    venue = make_venue("Café Central", city=paris)
    cancelled = {"original_date": date(2026, 1, 8), "cancelled": True, "note": "Holiday"}
    meetup = make_meetup("Open Coffee", venue=venue, tags=["startups"], changes=[cancelled])
    return Directory(paris.id, venue.slug, meetup.slug)


@pytest.fixture
def volunteer(app, directory, make_user) -> FlaskClient:
    """A signed-in volunteer's browser."""
    make_user(reviewed=True)
    browser = app.test_client()
    assert AuthActions(browser).sign_in().status_code == 303
    return browser


def answered(browser: FlaskClient, method: str, url: str, **options: object) -> TestResponse:
    """One request, which must not fail."""
    # The tests' app context outlives requests: forget the last request's user and session.
    g.pop("_login_user", None)
    try:
        response = browser.open(url, method=method, **options)
    finally:
        db.session.rollback()
    assert response.status_code < 500, (method, url, options, response.status_code)
    return response


# Where a saved change shows: every meetup's dates, in pages, feeds and the API.
SHOWN_EVERYWHERE = ["/", "/fr/paris/", "/feeds/all.ics", "/api/v1/occurrences"]


def posted(
    browser: FlaskClient, url: str, data: dict[str, object], *, listings: bool = True
) -> TestResponse:
    """A form sent as a browser sends it, with the session's CSRF token; whatever it saved
    in the `listings` must not break a page, a feed or the API for anyone afterwards."""
    token = AuthActions(browser).csrf_token()
    response = answered(browser, "POST", url, data={"csrf_token": token, **data})
    if listings and response.status_code in (302, 303):
        for page in [response.headers["Location"], *SHOWN_EVERYWHERE]:
            answered(browser, "GET", page)
    return response


@given(q=texts)
@fuzz_settings(60)
def test_search_never_fails(client, directory, q):
    answered(client, "GET", "/search", query_string={"q": q})


@given(parameters=st.dictionaries(st.sampled_from(["q", "km", "lat", "lon"]), values))
@fuzz_settings(80)
def test_near_never_fails(client, directory, parameters):
    answered(client, "GET", "/near", query_string=parameters)


@given(
    endpoint=st.sampled_from(["countries", "cities", "venues", "meetups", "occurrences", "near"]),
    parameters=st.lists(st.tuples(st.sampled_from(API_PARAMETERS) | texts, values), max_size=6),
)
@example(endpoint="occurrences", parameters=[("from", "0001-01-01"), ("to", "0001-01-02")])
@example(endpoint="occurrences", parameters=[("from", "9999-12-31"), ("to", "9999-12-31")])
@fuzz_settings(60)
def test_api_query_parameters_never_fail(client, directory, endpoint, parameters):
    answered(client, "GET", f"/api/v1/{endpoint}", query_string=MultiDict(parameters))


EMBEDS = ["/embed/city/fr/paris", "/embed/venue/cafe-central-paris", "/embed/meetup/open-coffee"]
EMBED_VALUES = ["1", "20", "21", "compact", "list", "en", "fr", "de"]


@given(
    path=st.sampled_from(EMBEDS),
    parameters=st.lists(
        st.tuples(
            st.sampled_from(["dates", "lang", "layout"]) | texts,
            values | st.sampled_from(EMBED_VALUES),
        ),
        max_size=4,
    ),
)
@fuzz_settings(60)
def test_embed_options_never_fail(client, directory, path, parameters):
    answered(client, "GET", path, query_string=MultiDict(parameters))


@given(
    endpoint=st.sampled_from(
        ["/search", "/near", "/api/v1/cities", "/api/v1/occurrences", "/embed/meetup/open-coffee"]
    ),
    raw=st.lists(st.tuples(st.binary(max_size=8), st.binary(max_size=30)), max_size=4),
)
@fuzz_settings(60)
def test_query_strings_that_are_not_utf_8_never_fail(client, directory, endpoint, raw):
    query = "&".join(f"{quote_from_bytes(key)}={quote_from_bytes(value)}" for key, value in raw)
    answered(client, "GET", endpoint, query_string=query)


ADDRESSES = [
    "/feeds/{}.ics",
    "/feeds/{}/{}.ics",
    "/feeds/city/{}/{}.ics",
    "/feeds/meetup/{}/{}.ics",
    "/feeds/meetup/open-coffee/{}.ics",
    "/{}/",
    "/{}/{}/",
    "/m/{}/",
    "/v/{}/",
    "/m/{}/history",
    "/v/{}/history",
    "/m/{}/report",
    "/m/{}/edit",
    "/m/open-coffee/dates/{}",
    "/venues/new?city={}",
    "/meetups/new?venue={}",
    "/add?q={}",
    "/add?city={}&q={}",
    "/api/v1/cities/{}/{}",
    "/api/v1/venues/{}",
    "/api/v1/meetups/{}",
    "/api/v1/{}",
    "/embed/city/{}/{}",
    "/embed/venue/{}",
    "/embed/meetup/{}",
]


@given(
    address=st.sampled_from(ADDRESSES),
    parts=st.lists(slug_like, min_size=2, max_size=2),
    signed_in=st.booleans(),
)
@example(address="/m/{}/", parts=["open-coffee\x00", ""], signed_in=False)
@example(address="/feeds/city/{}/{}.ics", parts=["fr", "paris\x00"], signed_in=False)
@example(address="/api/v1/venues/{}", parts=["\x00", ""], signed_in=False)
@example(address="/meetups/new?venue={}", parts=["cafe-central-paris\x00", ""], signed_in=True)
@example(address="/feeds/meetup/open-coffee/{}.ics", parts=["0001-01-01", ""], signed_in=False)
@example(address="/m/open-coffee/dates/{}", parts=["9999-12-31", ""], signed_in=True)
@fuzz_settings(120)
def test_odd_addresses_never_fail(client, volunteer, address, parts, signed_in):
    browser = volunteer if signed_in else client
    path, _, query = address.partition("?")
    quoted = [quote(part, safe="") for part in parts]
    url = path.format(*quoted)
    if query:
        url += "?" + query.format(*quoted)
    answered(browser, "GET", url)


def mostly(common: st.SearchStrategy, rare: st.SearchStrategy) -> st.SearchStrategy:
    """`common` three times in four (one_of would weigh each branch of `rare` like `common`)."""
    return st.integers(0, 3).flatmap(lambda draw: rare if draw == 0 else common)


def first(form: dict[str, tuple]) -> dict[str, object]:
    """The form with each field's first usual value, for explicit examples."""
    return {name: choices[0] for name, choices in form.items()}


@st.composite
def forms(draw: st.DrawFn, fields: dict[str, tuple | st.SearchStrategy]) -> dict[str, object]:
    """A form filled in as people do (each field one of its usual values), with up to two
    fields replaced by anything at all, so that most posts get past validation."""
    data = {
        name: draw(usual if isinstance(usual, st.SearchStrategy) else st.sampled_from(usual))
        for name, usual in fields.items()
    }
    for name in draw(st.sets(st.sampled_from(sorted(fields)), max_size=2)):
        data[name] = draw(texts | st.lists(texts, max_size=3))
    return data


SIGN_UP = {
    "email": st.one_of(
        st.sampled_from(["new.volunteer@example.org", "Someone@Example.ORG "]), st.emails()
    ),
    "display_name": ("Nina", " Zoë Ünal "),
    "password": ("a long enough passphrase",),
    "confirm": ("a long enough passphrase",),
    "next": ("", "/fr/paris/", "//evil.example", "/\\evil.example"),
}


@given(fields=forms(SIGN_UP))
@fuzz_settings(30)
def test_sign_up_never_fails(app, directory, fields):
    posted(app.test_client(), "/account/sign-up", fields, listings=False)  # a new visitor


SIGN_IN = {
    "email": ("volunteer@example.org", "nobody@example.org"),
    "password": (PASSWORD, "wrong password"),
    "remember": ("", "y"),
    "next": ("", "/fr/", "//evil.example", "/\\evil", "javascript:alert(1)"),
}


@given(fields=forms(SIGN_IN))
@fuzz_settings(25)
def test_sign_in_never_fails(app, volunteer, fields):
    posted(app.test_client(), "/account/sign-in", fields, listings=False)


VENUE = {
    "name": ("Le Comptoir", "Café Central"),
    "address": ("", "3 place Vauban", "1 Main Street"),
    "notes": ("", "Wifi, power"),
    "latitude": ("", "48.85", "-90", "48,8534"),
    "longitude": ("", "2.35", "180", "2,3488"),
    "action": ("check", "save"),
}


@given(fields=forms(VENUE), edit=st.booleans())
@example(fields={**first(VENUE), "name": "Le\x00Comptoir", "action": "save"}, edit=False)
@fuzz_settings(60)
def test_venue_form_never_fails(volunteer, directory, fields, edit):
    url = f"/v/{directory.venue_slug}/edit" if edit else f"/venues/new?city={directory.city_id}"
    posted(volunteer, url, fields)


MEETUP = {
    "name": ("Open Coffee Lille", "Open Coffee"),
    "description": ("", "Come **early**."),
    "pattern": ("weekly", "weeks", "monthly"),
    "weekdays": (["3"], ["0", "6"], ["1", "2", "3", "4", "5"]),
    "interval": ("1", "2", "12"),
    "week_of_month": ("1", "4", "-1"),
    "month_weekday": ("0", "4", "6"),
    "start_time": ("08:30", "02:30", "00:00", "23:59"),
    "end_time": ("08:45", "10:00", "02:30", "00:00"),
    "first_date": ("2026-01-01", "2026-03-29", "0001-01-01", "9999-12-25"),
    "end_date": ("", "2026-12-31", "9999-12-31"),
    "tags": ("", "startups, Open Coffee"),
    "languages": ([], ["fr", "en"], ["xx"]),
    "url": ("", "https://example.org/"),
}


@given(fields=forms(MEETUP), edit=st.booleans(), stale=st.booleans())
@example(fields={**first(MEETUP), "first_date": "0001-01-01"}, edit=False, stale=False)
@example(fields={**first(MEETUP), "end_date": "9999-12-31"}, edit=True, stale=False)
@fuzz_settings(50)
def test_meetup_form_never_fails(volunteer, directory, fields, edit, stale):
    if not edit:
        posted(volunteer, f"/meetups/new?venue={directory.venue_slug}", fields)
        return
    url = f"/m/{directory.meetup_slug}/edit"
    page = BeautifulSoup(answered(volunteer, "GET", url).text, "html5lib")
    version = page.select_one("input[name=version]")["value"]
    posted(volunteer, url, {**fields, "version": "" if stale else version})


DATE_CHANGE = {
    "action": ("cancel", "move", "restore"),
    "new_date": ("", "2026-01-16", "9999-12-31", "0001-01-01"),
    "new_start_time": ("", "10:00", "02:30"),
    "new_end_time": ("", "11:00", "02:30", "25:00"),
    "venue": ("", "cafe-central-paris", "/v/cafe-central-paris/", "/v/x/"),
    "note": ("", "Upstairs"),
}


@given(
    day=mostly(st.sampled_from(["2026-01-08", "2026-01-15", "2026-01-16"]), texts),
    fields=forms(DATE_CHANGE),
)
@example(
    day="2026-01-15", fields={**first(DATE_CHANGE), "action": "move", "new_date": "9999-12-31"}
)
@example(
    day="2026-01-15", fields={**first(DATE_CHANGE), "action": "move", "new_date": "0001-01-01"}
)
@fuzz_settings(40)
def test_date_change_form_never_fails(volunteer, directory, day, fields):
    posted(volunteer, f"/m/{directory.meetup_slug}/dates/{quote(day, safe='')}", fields)


REPORT = {
    "kind": ("wrong-time", "other"),
    "message": ("", "It moved upstairs."),
    "website": ("",),
}


@given(fields=forms(REPORT))
@fuzz_settings(40)
def test_report_form_never_fails(client, directory, fields):
    posted(client, f"/m/{directory.meetup_slug}/report", fields, listings=False)


# --- Ids in addresses -----------------------------------------------------------------------

HUGE_IDS = ["0", str(2**31), str(2**63), str(2**64 + 1), "9" * 40]
ID_ROUTES = [
    ("POST", "/revisions/{id}/revert"),
    ("POST", "/moderation/revisions/{id}/reviewed"),
    ("POST", "/moderation/reports/{id}/resolve"),
    ("POST", "/moderation/users/{id}/reviewed"),
]


@pytest.mark.parametrize("number", HUGE_IDS)
@pytest.mark.parametrize(("method", "route"), ID_ROUTES)
def test_ids_no_row_can_have_are_not_found(app, directory, make_user, method, route, number):
    make_user("mod@example.org", "Mo", role=Role.MODERATOR)
    browser = app.test_client()
    AuthActions(browser).sign_in("mod@example.org")

    response = posted(browser, route.format(id=number), {}, listings=False)

    assert response.status_code == 404


@pytest.mark.parametrize("number", HUGE_IDS)
def test_a_city_id_no_row_can_have_is_not_found(volunteer, number):
    assert answered(volunteer, "GET", f"/venues/new?city={number}").status_code == 404
