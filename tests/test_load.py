"""A short load test through gunicorn, on SQLite and on PostgreSQL.

About 200 calendar apps poll feeds (conditionally, with If-None-Match, once they
hold an ETag) while a few volunteers, signed in, edit meetups and cancel dates.
Nothing may answer 5xx; every edit the site acknowledged is in the history
exactly once; and once the edits stop, every poller gets the feed as it now is.

The load lasts MEETUPS_LOAD_SECONDS (10 s by default); a longer run:
`MEETUPS_LOAD_SECONDS=300 .venv/bin/pytest tests/test_load.py`.
"""

from __future__ import annotations

import difflib
import gzip as gzip_module
import hashlib
import http.client
import json
import os
import random
import re
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.error import URLError
from urllib.request import Request, urlopen
from zoneinfo import ZoneInfo

import pytest
from flask import current_app
from sqlalchemy import select

from meetups.extensions import db
from meetups.feeds import catalogue
from meetups.feeds.routes import GZIP_SUFFIX
from meetups.models import Meetup, Revision, Role
from tests.browsers import Browser

ROOT = Path(__file__).resolve().parent.parent
LOAD_SECONDS = float(os.environ.get("MEETUPS_LOAD_SECONDS", "10"))
POLLERS = 200
VOLUNTEERS = 4
# After the last edit: each gunicorn worker rereads the data version within 2 s.
CATCH_UP_SECONDS = 20
TIMEOUT = 60


# --- The directory and the server -----------------------------------------------------------


@dataclass(frozen=True)
class Directory:
    own: list[str]  # each volunteer's meetup
    shared: str  # a meetup every volunteer edits now and then: conflicts happen
    feeds: list[str]


@pytest.fixture
def directory(make_city, make_venue, make_meetup, make_user) -> Directory:
    paris = make_city("Paris")
    venues = [make_venue(f"Café {n}", city=paris) for n in range(3)]
    own = [
        make_meetup(f"Open Coffee {n}", venue=venues[n % 3], tags=["startups"]).slug
        for n in range(VOLUNTEERS)
    ]
    shared = make_meetup("Open Coffee Together", venue=venues[0], tags=["startups"]).slug
    for n in range(VOLUNTEERS):
        make_user(f"volunteer{n}@example.org", f"Volunteer {n}", Role.VOLUNTEER, reviewed=True)
    feeds = ["all.ics", "country/fr.ics", "city/fr/paris.ics", "tag/startups.ics"]
    feeds += [f"venue/{venue.slug}.ics" for venue in venues]
    feeds += [f"meetup/{slug}.ics" for slug in [*own, shared]]
    return Directory(own, shared, feeds)


@pytest.fixture
def server(app, database_url: str, directory: Directory, tmp_path: Path) -> Iterator[str]:
    """gunicorn with the production configuration (two sync workers) on this test's database."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("GUNICORN_", "MEETUPS_"))},
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "2",
        "GUNICORN_LOG_LEVEL": "warning",
        "MEETUPS_SECRET_KEY": "s" * 64,
        "MEETUPS_DATABASE_URL": database_url,
        "MEETUPS_SITE_DOMAIN": app.config["SITE_DOMAIN"],
        "MEETUPS_BASE_URL": app.config["BASE_URL"],
        # Volunteers here edit far faster than people do.
        "MEETUPS_RATELIMIT_EDITS": "100000 per minute",
    }
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py")],
            cwd=tmp_path,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url + "/healthz", process, log)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=TIMEOUT)
    # The access log: `"GET /feeds/all.ics HTTP/1.1" 200 …`; and gunicorn's own errors.
    lines = log.read_text().splitlines()
    server_errors = [line for line in lines if re.search(r'HTTP/1\.[01]" 5\d\d ', line)]
    server_errors += [line for line in lines if "[ERROR]" in line or "Traceback" in line]
    others = [line for line in lines if "HTTP/1." not in line]
    assert not server_errors, "\n".join(server_errors[:5] + others[:60])


def _wait_until_up(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except (URLError, ConnectionError):
            time.sleep(0.1)
    raise AssertionError(f"gunicorn did not start:\n{log.read_text()}")


# --- Calendar apps ------------------------------------------------------------------------


@dataclass
class Poller:
    """One calendar app: one feed, asked again and again, conditionally once it has an ETag."""

    base: str
    path: str
    gzip: bool
    etag: str | None = None
    statuses: Counter = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    bodies: dict[str, str] = field(default_factory=dict)  # ETag -> digest of the body
    final: str | None = None  # the ETag to see once the edits have stopped
    saw_final: bool = False

    def run(self, stop: threading.Event) -> None:
        host, port = self.base.removeprefix("http://").split(":")
        while not stop.is_set() and not self.saw_final:
            final = self.final  # read before asking: an answer may only count for it after
            headers = {"Accept-Encoding": "gzip"} if self.gzip else {}
            if self.etag:
                headers["If-None-Match"] = self.etag
            connection = http.client.HTTPConnection(host, int(port), timeout=TIMEOUT)
            try:
                connection.request("GET", f"/feeds/{self.path}", headers=headers)
                response = connection.getresponse()
                body = response.read()
            except (OSError, http.client.HTTPException) as error:
                self.failures.append(f"{self.path}: {error!r}")
                continue
            finally:
                connection.close()
            self.statuses[response.status] += 1
            etag = response.getheader("ETag")
            if response.status == 200 and etag:
                digest = hashlib.sha256(body).hexdigest()
                if self.bodies.setdefault(etag, digest) != digest:
                    self.failures.append(f"{self.path}: one ETag {etag} for two bodies")
                self.etag = etag
            elif response.status != 304:
                self.failures.append(f"{self.path}: {response.status}")
            if final is not None and response.status in (200, 304) and etag == final:
                self.saw_final = True


# --- Volunteers ---------------------------------------------------------------------------


@dataclass
class Volunteer:
    """A signed-in browser editing meetups as fast as the site answers."""

    base: str
    number: int
    own: str
    shared: str
    acknowledged: list[str] = field(default_factory=list)  # markers of edits answered 302
    refused: list[str] = field(default_factory=list)  # markers of edits answered 4xx
    failures: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.browser = Browser(self.base)
        self.dates = _next_thursdays(40)

    def run(self, stop: threading.Event) -> None:
        try:
            self.browser.sign_in(f"volunteer{self.number}@example.org")
            edits = 0
            while not stop.is_set():
                edits += 1
                marker = f"[load:{self.number}:{edits}]"
                slug = self.shared if edits % 5 == 0 else self.own
                if edits % 2:
                    path, changes = f"/m/{slug}/edit", {"description": f"Edited {marker}"}
                else:
                    day = self.dates[edits % len(self.dates)]
                    path = f"/m/{slug}/dates/{day.isoformat()}"
                    changes = {"action": "cancel", "note": f"Closed {marker}"}
                status, _, _ = self.browser.submit(path, **changes)
                self.record(marker, status)
        except (OSError, AssertionError) as error:
            self.failures.append(repr(error))

    def record(self, marker: str, status: int) -> None:
        if status == 302:
            self.acknowledged.append(marker)
        elif status == 409:
            self.refused.append(marker)  # another volunteer saved this meetup meanwhile
        else:
            self.failures.append(f"{marker}: {status}")


def _next_thursdays(count: int) -> list[date]:
    today = datetime.now(ZoneInfo("Europe/Paris")).date()
    first = today + timedelta(days=(3 - today.weekday()) % 7 or 7)
    return [first + timedelta(weeks=n) for n in range(count)]


# --- The test -----------------------------------------------------------------------------


def test_feeds_and_edits_under_load(app, server, directory):
    rng = random.Random(2026)
    pollers = [
        Poller(server, rng.choice(directory.feeds), gzip=bool(n % 2)) for n in range(POLLERS)
    ]
    volunteers = [
        Volunteer(server, n, directory.own[n], directory.shared) for n in range(VOLUNTEERS)
    ]
    stop_editing, stop_polling = threading.Event(), threading.Event()
    threads = [threading.Thread(target=p.run, args=(stop_polling,)) for p in pollers]
    threads += [threading.Thread(target=v.run, args=(stop_editing,)) for v in volunteers]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    try:
        time.sleep(LOAD_SECONDS)
        stop_editing.set()
        for thread in threads[POLLERS:]:
            thread.join(TIMEOUT)
        edits_done = time.monotonic()

        # The feeds as they now are, read from the database by this process.
        expected = _current_feeds(app, directory.feeds)
        for poller in pollers:
            etag = expected[poller.path].etag
            poller.final = f'"{etag}{GZIP_SUFFIX}"' if poller.gzip else f'"{etag}"'
        deadline = time.monotonic() + CATCH_UP_SECONDS
        while time.monotonic() < deadline and not all(p.saw_final for p in pollers):
            time.sleep(0.1)
    finally:
        stop_editing.set()
        stop_polling.set()
        for thread in threads:
            thread.join(TIMEOUT)
    caught_up = time.monotonic()

    statuses = sum((p.statuses for p in pollers), Counter())
    acknowledged = [marker for v in volunteers for marker in v.acknowledged]
    refused = [marker for v in volunteers for marker in v.refused]
    print(
        f"\n{sum(statuses.values())} feed requests in {edits_done - started:.1f} s "
        f"({dict(statuses)}), "
        f"{len(acknowledged)} edits saved, {len(refused)} refused; "
        f"every poller up to date {caught_up - edits_done:.1f} s after the last edit"
    )

    failures = [f for p in pollers for f in p.failures] + [
        f for v in volunteers for f in v.failures
    ]
    assert not failures, failures[:20]
    assert statuses[304] > 0 and statuses[200] > 0
    assert len(acknowledged) >= VOLUNTEERS

    # Every acknowledged edit is in the history once; no refused one is.
    db.session.rollback()
    found = Counter(
        marker
        for revision in db.session.scalars(select(Revision))
        for _before, after in revision.changes.values()
        for marker in _markers_in(json.dumps(after, ensure_ascii=False))
    )
    assert {marker: found[marker] for marker in acknowledged} == dict.fromkeys(acknowledged, 1)
    assert not [marker for marker in refused if found[marker]]
    assert set(found) <= set(acknowledged) | set(refused)

    # Nothing overwritten unseen: each revision of a field starts from the previous one's
    # result, or a save went through without the editor seeing the one before it.
    lost, last = [], {}
    for revision in db.session.scalars(select(Revision).order_by(Revision.id)):
        for name, (before, after) in revision.changes.items():
            key = (revision.entity, revision.entity_id, name)
            if key in last and last[key] != before:
                lost.append(f"revision {revision.id} overwrote {last[key]!r} with {after!r}")
            last[key] = after
    assert not lost, lost

    # Every poller saw the feed's final ETag, and the bytes behind it are the feed as it is.
    assert [p.path for p in pollers if not p.saw_final] == []
    # Each worker rereads the data version every DATA_VERSION_SECONDS (README): after that,
    # whichever worker answers, the feed's bytes are the feed as it now is.
    time.sleep(max(0.0, edits_done + app.config["DATA_VERSION_SECONDS"] + 0.5 - time.monotonic()))
    for path, feed in expected.items():
        for gzip in (False, True):
            body = _fetch(server, path, gzip)
            assert body == feed.body, f"{path} (gzip: {gzip}) is not as it now is:\n" + "\n".join(
                difflib.unified_diff(
                    feed.body.decode().splitlines(), body.decode().splitlines(), lineterm=""
                )
            )


def test_an_edit_stamped_before_the_latest_one_still_changes_the_feeds_etag(app, client, directory):
    """Concurrent saves can commit in another order than they were stamped (`updated_at`
    is set at flush): the feed's version must change with each commit all the same."""
    first, second = (db.session.scalar(select(Meetup).filter_by(slug=s)) for s in directory.own[:2])
    now = datetime.now(UTC)
    second.description, second.updated_at = "Committed first", now + timedelta(2)
    db.session.commit()
    before = client.get("/feeds/all.ics")

    first.description, first.updated_at = "Committed last", now + timedelta(1)
    db.session.commit()
    after = client.get("/feeds/all.ics", headers={"If-None-Match": before.headers["ETag"]})

    assert after.status_code == 200
    assert after.headers["ETag"] != before.headers["ETag"]
    assert b"\r\nDESCRIPTION:Committed last\\n" in after.data


@dataclass(frozen=True)
class CurrentFeed:
    etag: str
    body: bytes


def _current_feeds(app, paths: list[str]) -> dict[str, CurrentFeed]:
    db.session.rollback()  # see what the server committed
    with app.test_request_context():
        site = catalogue.site_settings(current_app.config)
        current = {}
        for feed, version in catalogue.all_feeds(db.session):
            if feed.path in paths:
                body = catalogue.render(db.session, feed, site)
                current[feed.path] = CurrentFeed(version.etag(feed, site), body)
    assert set(current) == set(paths)
    return current


def _fetch(server: str, path: str, gzip: bool) -> bytes:
    headers = {"Accept-Encoding": "gzip"} if gzip else {}
    with urlopen(Request(f"{server}/feeds/{path}", headers=headers), timeout=TIMEOUT) as answer:
        body = answer.read()
        encoded = answer.headers.get("Content-Encoding") == "gzip"
    return gzip_module.decompress(body) if encoded else body


def _markers_in(text: str) -> list[str]:
    markers = []
    start = text.find("[load:")
    while start != -1:
        end = text.index("]", start)
        markers.append(text[start : end + 1])
        start = text.find("[load:", end)
    return markers
