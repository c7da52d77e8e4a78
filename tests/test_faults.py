"""Faults from outside: a geocoder that hangs or fails, PostgreSQL dropping its
connections, an export killed mid-write, a feeds folder that is read-only or full.

Whatever happens, volunteers' edits are saved or refused cleanly (never a 500),
visitors keep getting pages and feeds, and the exported folder holds only whole
feeds. Through real servers and processes: the live server (werkzeug, threaded),
`flask export-feeds` run as a subprocess, and real filesystems (a tmpfs and a
read-only bind mount, which need root; as in CI).
"""

from __future__ import annotations

import contextlib
import html
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from datetime import time as clock
from pathlib import Path
from urllib.error import HTTPError, URLError
from urllib.request import urlopen

import icalendar
import pytest
import sqlalchemy as sa

from meetups.extensions import db
from meetups.models import CoordinateSource, Meetup, Revision, Venue
from meetups.slugs import slugify
from tests.browsers import Browser, form_fields
from tests.conftest import require
from tests.nominatim_stub import NominatimStub, Scenario

ROOT = Path(__file__).resolve().parent.parent


def status_of(url: str, timeout: float = 30) -> int:
    try:
        with urlopen(url, timeout=timeout) as response:
            response.read()
            return response.status
    except HTTPError as error:
        error.close()
        return error.code


# --- The geocoder hangs or fails while volunteers edit venues -------------------------------

GEOCODER_TIMEOUT = 0.5
VENUE_EDITORS = 4


@pytest.fixture
def volunteers(make_user) -> list[str]:
    emails = [f"editor{n}@example.org" for n in range(VENUE_EDITORS)]
    for number, email in enumerate(emails):
        make_user(email, f"Editor {number}", reviewed=True)
    return emails


def test_venue_edits_at_once_while_the_geocoder_hangs_or_fails_are_all_saved(
    app, live_server, make_city, make_venue, make_meetup, volunteers
):
    """Four volunteers save venues at the same moment: two addresses hang the geocoder
    (for 30 s), two make it fail. Each save waits the geocoder's timeout at most, ends at
    the city centre with the reason, and visitors' pages and feeds keep coming meanwhile."""
    paris = make_city("Paris")
    venues = [
        make_venue(f"Café {n}", city=paris, coordinates_source=CoordinateSource.GAZETTEER)
        for n in range(VENUE_EDITORS)
    ]
    make_meetup("Open Coffee", venue=venues[0])
    slugs = [venue.slug for venue in venues]  # the threads below have no app context
    addresses = ["1 rue Lente", "2 rue Lente", "3 rue Cassée", "4 rue Illisible"]
    expected = [
        "the geocoder did not answer in 0.5 s",
        "the geocoder did not answer in 0.5 s",
        "the geocoder answered with an error (HTTP 500)",
        "the geocoder's answer could not be read",
    ]
    by_text = {"lente": Scenario.SLOW, "cassée": Scenario.ERROR_500}
    by_text["illisible"] = Scenario.MALFORMED
    with NominatimStub(scenario=Scenario.FOUND, by_text=by_text, delay=30) as stub:
        app.config.update(
            GEOCODER_ENABLED=True,
            GEOCODER_DOMAIN=stub.domain,
            GEOCODER_SCHEME="http",
            GEOCODER_USER_AGENT="meetups tests",
            GEOCODER_TIMEOUT=GEOCODER_TIMEOUT,
            GEOCODER_MIN_DELAY=0.0,
        )
        browsers = [Browser(live_server) for _ in volunteers]
        for browser, email in zip(browsers, volunteers, strict=True):
            browser.sign_in(email)
        start = threading.Barrier(VENUE_EDITORS + 1)
        results: list[tuple[int, float, str]] = [(0, 0.0, "")] * VENUE_EDITORS

        def edit(number: int) -> None:
            browser = browsers[number]
            start.wait()
            began = time.monotonic()
            status, _, headers = browser.submit(
                f"/v/{slugs[number]}/edit", address=addresses[number], latitude="", longitude=""
            )
            took = time.monotonic() - began
            page = browser.open(headers.get("Location", "/"))[1] if status == 302 else ""
            results[number] = (status, took, page)

        editors = [threading.Thread(target=edit, args=(n,)) for n in range(VENUE_EDITORS)]
        for editor in editors:
            editor.start()
        start.wait()
        reads = _read_while(live_server, lambda: any(e.is_alive() for e in editors))
        for editor in editors:
            editor.join(30)

    assert [status for status, _, _ in results] == [302] * VENUE_EDITORS
    assert max(took for _, took, _ in results) < GEOCODER_TIMEOUT + 2.5, results
    for (_, _, page), reason in zip(results, expected, strict=True):
        assert f"Position approximate: {reason}." in html.unescape(page)
    assert reads and all(status == 200 for status, _ in reads), reads
    assert max(took for _, took in reads) < 2.0
    db.session.expire_all()
    for venue, address in zip(venues, addresses, strict=True):
        saved = db.session.get(Venue, venue.id)
        assert saved.address == address
        assert saved.coordinates_source == CoordinateSource.GAZETTEER
        assert (saved.latitude, saved.longitude) == (paris.latitude, paris.longitude)
    edits = db.session.scalars(sa.select(Revision).where(Revision.action == "edit")).all()
    assert len(edits) == VENUE_EDITORS
    assert len(stub.requests) == VENUE_EDITORS  # asked once each, never retried


def _read_while(base: str, busy: Callable[[], bool]) -> list[tuple[int, float]]:
    """A visitor reading pages and feeds while `busy()`: (status, seconds) of each."""
    reads = []
    paths = ["/fr/paris/", "/feeds/all.ics", "/feeds/city/fr/paris.ics", "/healthz"]
    while busy() or not reads:
        for path in paths:
            began = time.monotonic()
            reads.append((status_of(base + path), time.monotonic() - began))
    return reads


# --- PostgreSQL ends every connection, while requests keep coming ---------------------------


@dataclass(frozen=True)
class Outcome:
    path: str
    began: float
    ended: float
    status: int  # 0: no answer at all


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_requests_after_postgresql_drops_its_connections_all_succeed(
    app, live_server, make_city, make_venue, make_meetup, make_user
):
    """Three times, an administrator ends every connection to the database while visitors
    and a volunteer keep the server busy. Requests under way at that moment may fail;
    every one that starts after it succeeds, and nothing a volunteer saved is lost."""
    # Every request goes to the database: no page served from memory, no version remembered.
    app.config["PAGE_CACHE_SECONDS"] = 0
    app.extensions["data_version"].ttl = 0
    # The volunteer edits as fast as the server answers: not a limit under test here.
    app.config["RATELIMIT_EDITS"] = "100000 per minute"
    paris = make_city("Paris")
    meetups = [
        make_meetup(f"Open Coffee {n}", venue=make_venue(f"Café {n}", city=paris)) for n in range(3)
    ]
    slugs = [meetup.slug for meetup in meetups]
    make_user(reviewed=True)
    volunteer = Browser(live_server)
    volunteer.sign_in("volunteer@example.org")
    paths = ["/fr/paris/", "/feeds/all.ics", "/api/v1/meetups", "/healthz", f"/m/{slugs[0]}/"]

    outcomes: list[Outcome] = []
    confirmed: list[str] = []
    stop = threading.Event()

    def visitor(offset: int) -> None:
        count = offset
        while not stop.is_set():
            path = paths[count % len(paths)]
            count += 1
            began = time.monotonic()
            try:
                status = status_of(live_server + path, timeout=15)
            except (URLError, OSError):
                status = 0
            outcomes.append(Outcome(path, began, time.monotonic(), status))

    def editor() -> None:
        count = 0
        while not stop.is_set():
            slug = slugs[count % len(slugs)]
            count += 1
            path = f"/m/{slug}/edit"
            began = time.monotonic()
            try:
                status, page, _ = volunteer.open(path)
                if status == 200:
                    fields = {**form_fields(page), "description": f"Still going ({count})"}
                    status, _, _ = volunteer.open(path, fields)
            except (URLError, OSError):
                status = 0
            outcomes.append(Outcome(path, began, time.monotonic(), status))
            if status == 302:
                confirmed.append(f"Still going ({count})")

    workers = [threading.Thread(target=visitor, args=(n,)) for n in range(6)]
    workers.append(threading.Thread(target=editor))
    for worker in workers:
        worker.start()
    kills: list[tuple[float, float, int]] = []
    admin = sa.create_engine(db.engine.url, poolclass=sa.pool.NullPool)
    try:
        for _ in range(3):
            time.sleep(1.5)
            began = time.monotonic()
            with admin.connect() as connection:
                ended = connection.execute(
                    sa.text(
                        "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) "
                        "FROM pg_stat_activity WHERE datname = current_database() "
                        "AND pid <> pg_backend_pid()) AS ended"
                    )
                ).scalar_one()
            kills.append((began, time.monotonic(), ended))
        time.sleep(1.5)
    finally:
        stop.set()
        for worker in workers:
            worker.join(30)
        admin.dispose()

    assert all(ended >= 1 for _, _, ended in kills), kills  # the server's connections, at least

    def under_way(outcome: Outcome) -> bool:
        return any(outcome.began <= end and outcome.ended >= began for began, end, _ in kills)

    failed = [o for o in outcomes if not 200 <= o.status < 400]
    after = [o for o in failed if not under_way(o)]
    print(
        f"\n{len(outcomes)} requests, {len(confirmed)} edits saved; connections ended: "
        f"{[ended for _, _, ended in kills]}; failed while under way: {len(failed)}"
    )
    assert not after, after[:10]
    assert len(failed) <= 7 * len(kills), failed  # at most the requests under way, each time
    assert sum(1 for o in outcomes if o.began > kills[-1][1]) >= 10  # and the stream went on

    # Every save acknowledged is there; nothing else was saved.
    db.session.rollback()
    descriptions = {
        change["description"][1]
        for change in db.session.scalars(sa.select(Revision.changes))
        if "description" in change
    }
    assert set(confirmed) <= descriptions
    assert len(descriptions - set(confirmed)) <= len(kills)  # saved, but its answer was lost


# --- An export killed mid-write, then run again ---------------------------------------------

COUNTRIES = [("FR", "France", "Europe/Paris"), ("DE", "Germany", "Europe/Berlin")]
COUNTRIES += [("US", "United States", "America/New_York"), ("AU", "Australia", "Australia/Sydney")]


@pytest.fixture
def big_directory(app, make_city) -> int:
    """Enough meetups (four countries, 200 series, 325 feeds) for an export to take a moment."""
    for code, name, zone in COUNTRIES:
        for number in range(5):
            city = make_city(f"{name} City {number}", code, name, zone, 10.0 + number, 20.0)
            for venue_number in range(5):
                venue = Venue(
                    name=f"Café {venue_number}",
                    slug=slugify(f"cafe {venue_number} {city.name}"),
                    address=f"{venue_number} Main Street",
                    city=city,
                    latitude=city.latitude,
                    longitude=city.longitude,
                    coordinates_source=CoordinateSource.MANUAL,
                    timezone=zone,
                )
                for day in ("TU", "TH"):
                    title = f"Coffee {venue_number} {day} {city.name}"
                    db.session.add(
                        Meetup(
                            name=title,
                            slug=slugify(title),
                            venue=venue,
                            rrule=f"FREQ=WEEKLY;BYDAY={day}",
                            start_time=clock(8, 30),
                            duration_minutes=90,
                            timezone=zone,
                            first_date=date(2025, 1, 1),
                        )
                    )
    db.session.commit()
    return db.session.scalar(sa.select(sa.func.count(Meetup.id)))


def export_environment(app, database_url: str) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("MEETUPS_")},
        "MEETUPS_SECRET_KEY": "s" * 64,
        "MEETUPS_DATABASE_URL": database_url,
        "MEETUPS_SITE_DOMAIN": app.config["SITE_DOMAIN"],
        "MEETUPS_BASE_URL": app.config["BASE_URL"],
    }


def start_export(app, database_url: str, folder: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "meetups", "export-feeds", "--quiet", str(folder)],
        cwd=ROOT,
        env=export_environment(app, database_url),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def run_export(app, database_url: str, folder: Path) -> subprocess.CompletedProcess:
    process = start_export(app, database_url, folder)
    out, err = process.communicate(timeout=120)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def export_here(app, folder: Path) -> dict[str, bytes]:
    """An export in this process (the same code and bytes, without starting Python again)."""
    result = app.test_cli_runner().invoke(args=["export-feeds", "--quiet", str(folder)])
    assert result.exit_code == 0, result.output
    return feeds_in(folder)


def feeds_in(folder: Path) -> dict[str, bytes]:
    """The feeds a web server would serve from the folder (hidden temporary files aside)."""
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in folder.rglob("*.ics")
        if not any(part.startswith(".") for part in path.relative_to(folder).parts)
    }


def assert_whole_feeds(folder: Path) -> dict[str, bytes]:
    feeds = feeds_in(folder)
    for path, body in feeds.items():
        assert body.endswith(b"END:VCALENDAR\r\n"), path
        icalendar.Calendar.from_ical(body)  # parses, whole
    return feeds


def test_an_export_killed_mid_write_leaves_whole_feeds_and_the_next_one_repairs(
    app, database_url, big_directory, tmp_path
):
    folder = tmp_path / "feeds"
    old = export_here(app, folder)
    # Every series moves to 09:00: every feed changes.
    db.session.execute(sa.update(Meetup).values(start_time=clock(9)))
    db.session.commit()
    new = export_here(app, tmp_path / "after")
    assert set(new) == set(old) and all(new[path] != old[path] for path in new)

    process = start_export(app, database_url, folder)
    rewritten = _wait_for_rewritten(folder, old, process, at_least=len(old) // 4)
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=30)

    assert process.returncode == -signal.SIGKILL
    feeds = assert_whole_feeds(folder)
    assert set(feeds) == set(old)
    mixed = {path: body == new[path] for path, body in feeds.items()}
    assert all(body in (old[path], new[path]) for path, body in feeds.items())
    assert rewritten <= sum(mixed.values()) < len(feeds), "killed after it had finished"

    again = run_export(app, database_url, folder)

    assert again.returncode == 0, again.stderr
    assert feeds_in(folder) == new
    assert [p.name for p in folder.rglob("*") if p.name.endswith(".partial")] == []


def _wait_for_rewritten(
    folder: Path, old: dict[str, bytes], process: subprocess.Popen, at_least: int
) -> int:
    """How many feeds the export has replaced, once at least `at_least` are."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        rewritten = sum(1 for path, body in old.items() if _read(folder / path) not in (body, None))
        if rewritten >= at_least:
            return rewritten
        time.sleep(0.005)
    raise AssertionError(f"the export ended ({process.poll()}) before it could be killed")


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


# --- A folder that cannot be written: read-only, or full ------------------------------------


@contextlib.contextmanager
def mounted(*arguments: str, target: Path) -> Iterator[Path]:
    """`mount ARGUMENTS TARGET` for the block, always unmounted after."""
    target.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", *arguments, str(target)], capture_output=True, check=False)
    require(
        done.returncode == 0,
        f"mounting a test filesystem needs root (CAP_SYS_ADMIN): {done.stderr.decode().strip()}",
    )
    try:
        yield target
    finally:
        if subprocess.run(["umount", str(target)], check=False).returncode:
            subprocess.run(["umount", "-l", str(target)], check=False)


# What the filesystem does is the same whatever the database: SQLite only, to save time.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_an_export_to_a_read_only_folder_fails_clearly_and_the_site_serves_on(
    app, database_url, live_server, big_directory, tmp_path
):
    source = tmp_path / "feeds"
    exported = export_here(app, source)
    db.session.execute(sa.update(Meetup).values(start_time=clock(9)))
    db.session.commit()

    with mounted("--bind", "-o", "ro", str(source), target=tmp_path / "public") as public:
        result = run_export(app, database_url, public)
        served = status_of(live_server + "/feeds/all.ics")

    assert result.returncode == 1
    assert f"Error: Cannot write feeds to {public}: Read-only file system" in result.stderr
    assert "Traceback" not in result.stderr
    assert feeds_in(source) == exported  # the last export stays whole, as it was
    assert served == 200


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_an_export_to_a_full_disk_fails_clearly_leaves_whole_feeds_and_is_repaired(
    app, database_url, live_server, big_directory, tmp_path
):
    reference = export_here(app, tmp_path / "reference")
    size = sum(len(body) for body in reference.values())

    with mounted("-t", "tmpfs", "-o", "size=256k", "tmpfs", target=tmp_path / "small") as small:
        assert size > 2 * 256 * 1024  # it cannot fit
        result = run_export(app, database_url, small)
        served = status_of(live_server + "/feeds/all.ics")
        partial = assert_whole_feeds(small)
        leftovers = [p.name for p in small.rglob("*") if p.name.endswith(".partial")]
        # Room again (as after an administrator frees space): the next export completes.
        subprocess.run(["mount", "-o", "remount,size=64m", str(small)], check=True)
        again = run_export(app, database_url, small)
        repaired = feeds_in(small)

    assert result.returncode == 1
    assert f"Error: Cannot write feeds to {small}: No space left on device" in result.stderr
    assert "Traceback" not in result.stderr
    assert served == 200
    assert leftovers == []
    assert all(body == reference[path] for path, body in partial.items())
    assert again.returncode == 0, again.stderr
    assert repaired == reference
