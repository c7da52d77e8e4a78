"""What search engines and link previews read: JSON-LD, canonical addresses, sitemaps, robots.txt.

Pages are read with a real HTML parser, JSON-LD parsed back from its <script>
elements, sitemaps with an XML parser, and robots.txt with RFC 9309 matching.
"""

from __future__ import annotations

import calendar
import json
import re
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlsplit
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select, update

from meetups.extensions import db
from meetups.models import City, CoordinateSource, Meetup, MeetupStatus, Venue, utcnow
from meetups.schedule import Rule, Schedule
from meetups.seo import sitemap, structured_data

BASE = "https://meetups.example.org"
SCHEMA = "https://schema.org"
SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XSS_NAME = "</script><script>alert(1)</script>"


@pytest.fixture(autouse=True)
def base_url(request):
    """The public address, with a trailing slash as people type it (never doubled)."""
    if "app" in request.fixturenames:
        request.getfixturevalue("app").config["BASE_URL"] = BASE + "/"


def soup_of(response) -> BeautifulSoup:
    assert response.status_code == 200, response.text[:300]
    return BeautifulSoup(response.text, "html5lib")


def json_ld(client, url: str) -> dict[str, dict]:
    """Every JSON-LD block of a page, by @type."""
    blocks = soup_of(client.get(url)).select('script[type="application/ld+json"]')
    found = [json.loads(block.string) for block in blocks]
    by_type = {item["@type"]: item for item in found}
    assert len(by_type) == len(found), "one block of each type"
    assert all(item["@context"] == SCHEMA for item in found)
    return by_type


def next_weekday(after: date, weekday: int) -> date:
    return after + timedelta(days=(weekday - after.weekday()) % 7 or 7)


def last_weekday(year: int, month: int, weekday: int) -> date:
    last = date(year, month, calendar.monthrange(year, month)[1])
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def last_fridays_from(day: date):
    year, month = day.year, day.month
    while True:
        friday = last_weekday(year, month, 4)
        if friday >= day:
            yield friday
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


# --- JSON-LD on meetup pages ----------------------------------------------------------------


def test_a_meetup_page_describes_its_series_as_a_schema_org_event(client, make_venue, make_meetup):
    today = datetime.now(ZoneInfo("Europe/Paris")).date()
    first = next_weekday(today, 3)
    cancelled, far_away = first + timedelta(weeks=1), first + timedelta(weeks=52)
    venue = make_venue("Café Central", address="12 Rue de Rivoli", latitude=48.856, longitude=2.36)
    make_meetup(
        "Open Coffee Paris",
        venue=venue,
        description="Founders and **the curious**.\n\nAsk for [Ann](https://example.org).",
        first_date=first,
        languages="en,fr",
        tags=["startups", "tech"],
        changes=[
            {"original_date": cancelled, "cancelled": True, "note": "Café closed"},
            {"original_date": far_away, "cancelled": True},
        ],
    )

    event = json_ld(client, "/m/open-coffee-paris/")["Event"]

    assert event["name"] == "Open Coffee Paris"
    assert event["description"] == "Founders and the curious.\n\nAsk for Ann."
    assert event["url"] == f"{BASE}/m/open-coffee-paris/"
    start = datetime.fromisoformat(event["startDate"])
    assert start == datetime.combine(first, time(9), ZoneInfo("Europe/Paris"))
    assert start.utcoffset() == ZoneInfo("Europe/Paris").utcoffset(start.replace(tzinfo=None))
    assert datetime.fromisoformat(event["endDate"]) - start == timedelta(hours=2)
    assert event["eventSchedule"] == {
        "@type": "Schedule",
        "repeatFrequency": "P1W",
        "byDay": [f"{SCHEMA}/Thursday"],
        "startTime": "09:00:00",
        "endTime": "11:00:00",
        "duration": "PT2H",
        "startDate": first.isoformat(),
        "scheduleTimezone": "Europe/Paris",
        "exceptDate": [cancelled.isoformat()],
    }
    assert event["eventStatus"] == f"{SCHEMA}/EventScheduled"
    assert event["eventAttendanceMode"] == f"{SCHEMA}/OfflineEventAttendanceMode"
    assert event["location"] == {
        "@type": "Place",
        "name": "Café Central",
        "url": f"{BASE}/v/cafe-central-paris/",
        "address": {
            "@type": "PostalAddress",
            "streetAddress": "12 Rue de Rivoli",
            "addressLocality": "Paris",
            "addressCountry": "FR",
        },
        "geo": {"@type": "GeoCoordinates", "latitude": 48.856, "longitude": 2.36},
    }
    assert event["isAccessibleForFree"] is True
    assert event["inLanguage"] == ["en", "fr"]
    assert event["keywords"] == "startups, tech"
    assert "organizer" not in event


def test_a_last_friday_of_the_month_skips_its_cancelled_date(
    client, make_city, make_venue, make_meetup
):
    zone = ZoneInfo("America/New_York")
    city = make_city(
        "New York City", "US", "United States", "America/New_York", slug="new-york-city"
    )
    tomorrow = datetime.now(zone).date() + timedelta(days=1)
    fridays = last_fridays_from(tomorrow)
    cancelled, following = next(fridays), next(fridays)
    end = following + timedelta(days=400)
    make_meetup(
        "NYC Founders",
        venue=make_venue("Grindstone", city=city, address=""),
        rrule="FREQ=MONTHLY;BYDAY=-1FR",
        start_time=time(18, 30),
        duration_minutes=150,
        first_date=tomorrow,
        end_date=end,
        languages="en",
        changes=[{"original_date": cancelled, "cancelled": True}],
    )

    event = json_ld(client, "/m/nyc-founders/")["Event"]

    schedule = event["eventSchedule"]
    assert schedule["repeatFrequency"] == "P1M"
    assert schedule["byDay"] == [f"{SCHEMA}/Friday"]
    assert schedule["byMonthWeek"] == -1
    assert (schedule["startTime"], schedule["endTime"]) == ("18:30:00", "21:00:00")
    assert schedule["duration"] == "PT2H30M"
    assert schedule["startDate"] == cancelled.isoformat()
    assert schedule["endDate"] == end.isoformat()
    assert schedule["scheduleTimezone"] == "America/New_York"
    assert schedule["exceptDate"] == [cancelled.isoformat()]
    start = datetime.fromisoformat(event["startDate"])
    assert start == datetime.combine(following, time(18, 30), zone)
    assert start.utcoffset() in (timedelta(hours=-5), timedelta(hours=-4))
    assert (start.date() + timedelta(weeks=1)).month != start.month
    assert event["inLanguage"] == "en"
    assert "keywords" not in event
    assert "streetAddress" not in event["location"]["address"]
    assert event["location"]["address"]["addressCountry"] == "US"


def test_every_other_week_on_two_days(client, make_meetup):
    make_meetup("Fortnightly", rrule="FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE;WKST=MO")

    schedule = json_ld(client, "/m/fortnightly/")["Event"]["eventSchedule"]

    assert schedule["repeatFrequency"] == "P2W"
    assert schedule["byDay"] == [f"{SCHEMA}/Monday", f"{SCHEMA}/Wednesday"]
    assert "byMonthWeek" not in schedule and "exceptDate" not in schedule


@pytest.mark.parametrize(
    ("status", "event_status"),
    [(MeetupStatus.PAUSED, "EventPostponed"), (MeetupStatus.ENDED, "EventCancelled")],
)
def test_a_paused_or_ended_series_says_its_dates_will_not_happen(
    client, make_meetup, status, event_status
):
    today = datetime.now(ZoneInfo("Europe/Paris")).date()
    make_meetup("Coffee", first_date=date(2024, 1, 1), status=status, status_since=today)

    event = json_ld(client, "/m/coffee/")["Event"]

    assert event["eventStatus"] == f"{SCHEMA}/{event_status}"
    # The date that was planned stays the start date, as search engines ask.
    start = datetime.fromisoformat(event["startDate"])
    assert start.weekday() == 3 and start.time() == time(9) and start >= datetime.now(UTC)
    ended = status == MeetupStatus.ENDED
    last_day = (today - timedelta(days=1)).isoformat() if ended else None
    assert event["eventSchedule"].get("endDate") == last_day


def test_approximate_coordinates_are_not_given_as_the_venues(client, make_venue, make_meetup):
    venue = make_venue("Somewhere", coordinates_source=CoordinateSource.GAZETTEER)
    make_meetup("Coffee", venue=venue)

    location = json_ld(client, "/m/coffee/")["Event"]["location"]

    assert "geo" not in location
    assert location["address"]["addressLocality"] == "Paris"


def test_an_empty_description_becomes_the_schedule_in_words(client, make_meetup):
    make_meetup("Coffee")

    event = json_ld(client, "/m/coffee/")["Event"]

    assert event["description"] == "Every Thursday, 09:00–11:00 at Café Central, Paris."


def test_a_date_moved_to_another_venue_is_shown_there(client, make_venue, make_meetup):
    today = datetime.now(ZoneInfo("Europe/Paris")).date()
    first = next_weekday(today, 3)
    elsewhere = make_venue("Bar Bis", address="2 Rue Bis")
    make_meetup(
        "Coffee",
        first_date=first,
        changes=[{"original_date": first, "venue_id": elsewhere.id, "new_start_time": time(10)}],
    )

    event = json_ld(client, "/m/coffee/")["Event"]

    assert datetime.fromisoformat(event["startDate"]).time() == time(10)
    assert event["location"]["name"] == "Bar Bis"
    assert event["location"]["address"]["streetAddress"] == "2 Rue Bis"


def test_demo_listings_are_not_offered_as_real_events(client, make_meetup):
    make_meetup("Demo Coffee", is_demo=True)

    blocks = json_ld(client, "/m/demo-coffee/")

    assert set(blocks) == {"BreadcrumbList"}


def test_a_name_with_a_closing_script_tag_stays_a_string(client, make_meetup):
    make_meetup(XSS_NAME, slug="hostile")

    response = client.get("/m/hostile/")

    assert XSS_NAME not in response.text
    page = soup_of(response)
    own = [s for s in page.select("script") if s.get("src", "").startswith("/static/")]
    scripts = [s for s in page.select("script") if s not in own]
    assert scripts and all(s.get("type") == "application/ld+json" for s in scripts)
    assert all(not s.string for s in own)
    blocks = {json.loads(s.string)["@type"]: json.loads(s.string) for s in scripts}
    assert blocks["Event"]["name"] == XSS_NAME
    assert blocks["BreadcrumbList"]["itemListElement"][-1]["name"] == XSS_NAME
    assert page.find("meta", property="og:title")["content"] == XSS_NAME


def test_script_json_escapes_everything_that_could_end_the_element():
    data = {"name": "</script><!-- & \u2028", "n": 1}

    text = structured_data.script_json(data)

    assert not set("<>&\u2028") & set(text)
    assert json.loads(text) == data


@pytest.mark.parametrize(
    ("minutes", "duration"), [(120, "PT2H"), (90, "PT1H30M"), (45, "PT45M"), (1440, "PT24H")]
)
def test_durations_are_iso_8601(minutes, duration):
    assert structured_data.iso_duration(timedelta(minutes=minutes)) == duration


def test_an_ended_schedule_ends_on_its_last_date():
    schedule = Schedule(Rule("WEEKLY", (3,)), time(9), timedelta(hours=2), "UTC", date(2024, 1, 1))
    place = structured_data.PlaceRecord("Café", "https://x/v/c/", "", "Paris", "FR")
    record = structured_data.EventRecord(
        "Coffee", "https://x/m/c/", "", schedule, "ended", place, last_date=date(2024, 6, 30)
    )

    data = structured_data.event(record, datetime(2024, 7, 2, tzinfo=UTC))

    assert data["eventSchedule"]["endDate"] == "2024-06-30"
    assert data["startDate"] == "2024-07-04T09:00:00+00:00"


# --- Breadcrumbs, WebSite, canonical addresses and link previews ----------------------------


def test_home_page_names_the_website(client, make_meetup):
    make_meetup()

    assert json_ld(client, "/")["WebSite"] == {
        "@context": SCHEMA,
        "@type": "WebSite",
        "name": "Meetups",
        "url": f"{BASE}/",
    }


@pytest.mark.parametrize(
    ("url", "names"),
    [
        ("/fr/", ["All countries", "France"]),
        ("/fr/paris/", ["All countries", "France", "Paris"]),
        ("/v/cafe-central-paris/", ["All countries", "France", "Paris", "Café Central"]),
        ("/m/open-coffee/", ["All countries", "France", "Paris", "Open Coffee"]),
    ],
)
def test_browsing_pages_carry_their_breadcrumbs(client, make_meetup, url, names):
    make_meetup()

    items = json_ld(client, url)["BreadcrumbList"]["itemListElement"]

    assert [item["name"] for item in items] == names
    assert [item["position"] for item in items] == list(range(1, len(names) + 1))
    assert items[0]["item"] == f"{BASE}/" and items[-1]["item"] == f"{BASE}{url}"
    for item in items:
        assert client.get(urlsplit(item["item"]).path).status_code == 200


@pytest.mark.parametrize(
    ("url", "canonical", "title", "description"),
    [
        ("/", "/", "Meetups", "Open Coffee-style meetups"),
        ("/fr/?utm_source=chat", "/fr/", "Meetups in France", "meetups in France"),
        ("/fr/paris/", "/fr/paris/", "Meetups in Paris", "meetups in Paris, France"),
        (
            "/v/cafe-central-paris/",
            "/v/cafe-central-paris/",
            "Café Central, Paris",
            "1 Main Street",
        ),
        (
            "/m/open-coffee/",
            "/m/open-coffee/",
            "Open Coffee",
            "Every Thursday, 09:00–11:00 at Café Central, Paris.",
        ),
        ("/search?q=nowhere&page=2", "/search?q=nowhere", "Search: nowhere", "Open Coffee-style"),
        ("/near?q=paris&km=5&x=1", "/near?q=paris&km=5", "Meetups near Paris, France", "Coffee"),
    ],
)
def test_pages_have_a_canonical_address_and_a_link_preview(
    client, make_meetup, url, canonical, title, description
):
    make_meetup()

    head = soup_of(client.get(url)).head

    def meta(prop: str) -> str:
        return head.find("meta", property=prop)["content"]

    assert head.find("link", rel="canonical")["href"] == BASE + canonical
    assert meta("og:url") == BASE + canonical
    assert meta("og:type") == "website"
    assert meta("og:site_name") == "Meetups"
    assert meta("og:title") == title
    assert description in meta("og:description")
    assert meta("og:description") == head.find("meta", attrs={"name": "description"})["content"]
    assert head.find("meta", attrs={"name": "twitter:card"})["content"] == "summary"
    assert not head.find("meta", property="og:image")


def test_a_pages_title_description_and_address_are_each_worked_out_once(
    app, client, make_meetup, monkeypatch
):
    """The head says each of them twice or three times (as itself and in the link preview)."""
    make_meetup()
    worked_out = {"canonical_url": 0, "describe_schedule": 0}

    def counted(table, name):
        original = table[name]

        def count(*args, **kwargs):
            worked_out[name] += 1
            return original(*args, **kwargs)

        monkeypatch.setitem(table, name, count)

    counted(app.jinja_env.globals, "canonical_url")
    counted(app.jinja_env.filters, "describe_schedule")
    shown_in_the_page = soup_of(client.get("/m/open-coffee/")).find(string=re.compile("Every Thu"))

    assert worked_out["canonical_url"] == 1
    # Once for the description, once for what the page itself shows.
    assert shown_in_the_page is not None and worked_out["describe_schedule"] == 2


def test_a_paused_meetups_preview_says_so(client, make_meetup):
    make_meetup("Coffee", status=MeetupStatus.PAUSED, status_since=date(2024, 6, 1))

    head = soup_of(client.get("/m/coffee/")).head

    assert head.find("meta", property="og:description")["content"].startswith("Paused for now.")


@pytest.mark.parametrize("url", ["/m/nowhere/", "/fr/nowhere/"])
def test_error_pages_claim_no_address(client, make_meetup, url):
    make_meetup()

    response = client.get(url)

    page = BeautifulSoup(response.text, "html5lib")
    assert response.status_code == 404
    assert not page.find("link", rel="canonical") and not page.find("meta", property="og:url")


# --- Sitemaps -------------------------------------------------------------------------------


@pytest.fixture
def directory(make_city, make_venue, make_meetup):
    """Two countries; a city with only an ended meetup; an unused venue; deleted items."""
    paris, lyon = make_city("Paris"), make_city("Lyon")
    berlin = make_city("Berlin", "DE", "Germany", "Europe/Berlin", 52.52, 13.40)
    make_city("Nantes")  # no venue at all
    make_meetup("Open Coffee", venue=make_venue("Café Central", city=paris), tags=["startups"])
    make_meetup(
        "Paused Coffee", venue=make_venue("Bar Bis", city=paris), status=MeetupStatus.PAUSED
    )
    make_meetup("Berlin Coffee", venue=make_venue("Kaffeebar", city=berlin))
    make_meetup("Old Lyon", venue=make_venue("Le Bouchon", city=lyon), status=MeetupStatus.ENDED)
    make_venue("Empty Bar", city=paris)
    make_meetup(
        "Deleted Coffee",
        venue=make_venue("Gone Bar", city=paris),
        deleted_at=utcnow(),
        tags=["gone"],
    )
    make_venue("Deleted Venue", city=berlin, deleted_at=utcnow())


def read_sitemap(client, url: str = "/sitemap.xml") -> tuple[str, dict[str, str | None]]:
    """(kind of document, {loc: lastmod}) after checking it follows sitemaps.org."""
    response = client.get(url)
    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    assert "Set-Cookie" not in response.headers
    root = ElementTree.fromstring(response.data)
    assert root.tag in (f"{SITEMAP_NS}urlset", f"{SITEMAP_NS}sitemapindex")
    kind = root.tag.removeprefix(SITEMAP_NS)
    entries: dict[str, str | None] = {}
    for entry in root:
        assert entry.tag == SITEMAP_NS + ("url" if kind == "urlset" else "sitemap")
        assert {child.tag for child in entry} <= {f"{SITEMAP_NS}loc", f"{SITEMAP_NS}lastmod"}
        loc = entry.findtext(f"{SITEMAP_NS}loc")
        lastmod = entry.findtext(f"{SITEMAP_NS}lastmod")
        assert loc.startswith(BASE + "/") and len(loc) < 2048 and loc not in entries
        if lastmod is not None:
            assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", lastmod)
        entries[loc] = lastmod
    assert len(entries) <= sitemap.MAX_URLS
    return kind, entries


EXPECTED_PATHS = {
    "/",
    "/fr/",
    "/de/",
    "/fr/paris/",
    "/de/berlin/",
    "/m/open-coffee/",
    "/m/paused-coffee/",
    "/m/berlin-coffee/",
    "/m/old-lyon/",
    "/v/cafe-central-paris/",
    "/v/bar-bis-paris/",
    "/v/kaffeebar-berlin/",
    "/v/le-bouchon-lyon/",
    "/v/empty-bar-paris/",
    "/v/gone-bar-paris/",
    "/t/startups/",
}


def test_the_sitemap_lists_every_public_page_at_its_absolute_address(client, directory):
    kind, entries = read_sitemap(client)

    assert kind == "urlset"
    assert {loc.removeprefix(BASE) for loc in entries} == EXPECTED_PATHS
    for loc in entries:
        assert client.get(loc.removeprefix(BASE)).status_code == 200, loc


def test_lastmod_is_when_the_page_last_changed(client, directory):
    long_ago = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    db.session.execute(
        update(Meetup).where(Meetup.slug == "berlin-coffee").values(updated_at=long_ago)
    )
    berlin = select(City.id).where(City.slug == "berlin").scalar_subquery()
    db.session.execute(update(Venue).where(Venue.city_id == berlin).values(updated_at=long_ago))
    coffee = db.session.scalar(select(Meetup).where(Meetup.slug == "open-coffee"))
    coffee.start_time = time(8)
    db.session.commit()
    changed = coffee.updated_at.astimezone(UTC).replace(microsecond=0).isoformat()

    _, entries = read_sitemap(client)

    for path in ("/m/open-coffee/", "/v/cafe-central-paris/", "/fr/paris/", "/fr/", "/"):
        assert entries[BASE + path] == changed, path
    for path in ("/m/berlin-coffee/", "/v/kaffeebar-berlin/", "/de/berlin/", "/de/"):
        assert entries[BASE + path] == "2025-01-02T03:04:05+00:00", path


def test_the_sitemap_costs_the_same_few_queries_however_many_meetups(
    client, count_queries, make_city, make_venue, make_meetup
):
    make_meetup()
    with_one = count_queries(lambda: client.get("/sitemap.xml"))
    for n in range(30):
        city = make_city(f"Town {n}", slug=f"town-{n}")
        make_meetup(f"Coffee {n}", venue=make_venue(f"Bar {n}", city=city))

    with_many = count_queries(lambda: client.get("/sitemap.xml"))

    # One query per kind of page (venues, meetups, cities, topics) and the data version.
    assert with_many == with_one <= 5
    assert len(read_sitemap(client)[1]) == 1 + 1 + 31 * 3


def test_the_sitemap_is_kept_and_answers_304(client, directory, count_queries, monkeypatch):
    first = client.get("/sitemap.xml")
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]

    def fail(*args, **kwargs):
        raise AssertionError("a kept sitemap must not be read again")

    monkeypatch.setattr("meetups.seo.routes.directory_urls", fail)
    again = client.get("/sitemap.xml", headers={"If-None-Match": etag})
    queries = count_queries(lambda: client.get("/sitemap.xml", headers={"If-None-Match": etag}))
    by_date = client.get("/sitemap.xml", headers={"If-Modified-Since": modified})

    assert not etag.startswith("W/")
    assert again.status_code == 304 and again.data == b""
    assert by_date.status_code == 304
    assert queries == 0
    assert client.get("/sitemap.xml").data == first.data
    assert "max-age=" in first.headers["Cache-Control"]


def test_an_edit_changes_the_sitemap(client, directory, make_meetup):
    etag = client.get("/sitemap.xml").headers["ETag"]

    make_meetup("New Coffee")

    response = client.get("/sitemap.xml", headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert f"{BASE}/m/new-coffee/" in read_sitemap(client)[1]


def test_a_big_directory_gets_an_index_of_numbered_parts(client, directory, monkeypatch):
    monkeypatch.setattr(sitemap, "MAX_URLS", 5)

    kind, parts = read_sitemap(client)

    assert kind == "sitemapindex"
    assert list(parts) == [f"{BASE}/sitemap-{n}.xml" for n in (1, 2, 3, 4)]
    found: dict[str, str | None] = {}
    for part, lastmod in parts.items():
        part_kind, entries = read_sitemap(client, part.removeprefix(BASE))
        assert part_kind == "urlset" and 1 <= len(entries) <= 5
        assert lastmod == max(entries.values())
        found |= entries
    assert {loc.removeprefix(BASE) for loc in found} == EXPECTED_PATHS
    assert client.get("/sitemap-5.xml").status_code == 404
    assert client.get("/sitemap-0.xml").status_code == 404


def test_a_small_directory_has_no_numbered_parts(client, directory):
    assert client.get("/sitemap-1.xml").status_code == 404


# --- robots.txt -----------------------------------------------------------------------------


def allowed(robots: str, path: str) -> bool:
    """RFC 9309 for `User-agent: *`: the longest matching rule wins, Allow on a tie."""
    best: tuple[int, bool] = (-1, True)
    for line in robots.splitlines():
        field, _, value = line.partition(":")
        value = value.strip()
        if field.strip().lower() not in ("allow", "disallow") or not value:
            continue
        pattern = re.escape(value).replace(r"\*", ".*")
        pattern = pattern[:-2] + "$" if pattern.endswith(r"\$") else pattern
        if re.match(pattern, path):
            rule = (len(value), field.strip().lower() == "allow")
            best = max(best, rule)
    return best[1]


def test_robots_txt_opens_public_pages_and_closes_volunteers_tools(client):
    response = client.get("/robots.txt")

    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert "Set-Cookie" not in response.headers
    robots = response.text
    assert robots.startswith("User-agent: *\n")
    assert f"Sitemap: {BASE}/sitemap.xml" in robots.splitlines()
    for path in [
        "/",
        "/fr/",
        "/fr/paris/",
        "/m/open-coffee/",
        "/v/cafe-central-paris/",
        "/near",
        "/trip",
        "/feeds/all.ics",
        "/feeds/meetup/open-coffee/2026-01-01.ics",
        "/api/v1/meetups",
        "/sitemap.xml",
        "/static/style.css",
    ]:
        assert allowed(robots, path), path
    for path in [
        "/account/sign-in",
        "/moderation/",
        "/venues/new?city=1",
        "/meetups/new?venue=x",
        "/m/open-coffee/edit",
        "/v/cafe-central-paris/edit",
        "/m/open-coffee/dates/2026-01-01",
        "/m/open-coffee/report",
        "/m/open-coffee/history",
        "/v/cafe-central-paris/history",
        "/changes",
        "/changes.atom",
        "/search?q=paris",
        "/near?q=paris",
        "/trip?city=fr/paris&arrive=2026-01-01&leave=2026-01-02",
    ]:
        assert not allowed(robots, path), path
