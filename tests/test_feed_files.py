"""Feeds too big for a worker's memory: written piece by piece, kept as files, sent from disk."""

from __future__ import annotations

import gzip
import io
import threading
from datetime import time

import pytest
from flask import current_app

from meetups.extensions import db
from meetups.feeds import catalogue
from meetups.feeds.files import FeedFiles
from meetups.feeds.routes import SERIES_BYTES
from meetups.models import Meetup


@pytest.fixture
def directory(make_city, make_venue, make_meetup):
    paris = make_city("Paris")
    berlin = make_city("Berlin", "DE", "Germany", "Europe/Berlin", 52.52, 13.40)
    cafe = make_venue("Café X", city=paris)
    make_meetup("Open Coffee Paris", venue=cafe, tags=["startups"])
    make_meetup("Paris Evening", venue=cafe, start_time=time(18), rrule="FREQ=MONTHLY;BYDAY=-1FR")
    make_meetup("Berlin Coffee", venue=make_venue("Kaffee", city=berlin), tags=["startups"])
    # Enough meetups that the all feed's series come in several chunks, out of id order.
    for number in range(12):
        make_meetup(f"Coffee {number}", venue=cafe)


@pytest.fixture
def files(app, tmp_path) -> FeedFiles:
    """A feed cache so small that every feed of two or more meetups is kept as a file."""
    app.config["FEED_CACHE_BYTES"] = 2 * SERIES_BYTES
    app.extensions["feed_files"] = FeedFiles(tmp_path / "feed-files")
    return app.extensions["feed_files"]


def rendered(path: str) -> bytes:
    feed = catalogue.find(db.session, *_kind_and_slugs(path))
    return catalogue.render(db.session, feed, catalogue.site_settings(current_app.config))


def _kind_and_slugs(path: str) -> tuple[str, tuple[str, ...]]:
    if path == "all.ics":
        return "all", ()
    kind, *slugs = path.removesuffix(".ics").split("/")
    return kind, tuple(slugs)


@pytest.mark.parametrize("path", ["all.ics", "country/fr.ics", "tag/startups.ics"])
def test_written_piece_by_piece_the_feed_is_the_rendered_one(app, directory, path, monkeypatch):
    monkeypatch.setattr(catalogue, "_WRITE_CHUNK", 4)
    out = io.BytesIO()

    catalogue.write(
        db.session,
        catalogue.find(db.session, *_kind_and_slugs(path)),
        catalogue.site_settings(current_app.config),
        out,
    )

    assert out.getvalue() == rendered(path)


def test_a_big_feed_is_sent_from_its_file_with_validators(client, directory, files):
    plain = client.get("/feeds/all.ics", buffered=True)
    zipped = client.get("/feeds/all.ics", headers={"Accept-Encoding": "gzip"}, buffered=True)

    assert plain.status_code == zipped.status_code == 200
    assert plain.data == rendered("all.ics")
    assert plain.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.data) == plain.data
    assert zipped.headers["ETag"] == plain.headers["ETag"][:-1] + '-gzip"'
    assert "public" in plain.headers["Cache-Control"]
    assert plain.headers["Last-Modified"]
    assert sorted(path.suffix for path in files.directory.glob("all@*")) == [".gz", ".ics"]
    again = client.get("/feeds/all.ics", headers={"If-None-Match": plain.headers["ETag"]})
    assert again.status_code == 304


def test_a_small_feed_stays_in_memory(client, directory, files):
    response = client.get("/feeds/meetup/paris-evening.ics")

    assert response.status_code == 200
    assert not files.directory.exists() or not list(files.directory.glob("meetup~*"))


def test_an_edit_makes_a_new_file_and_removes_the_old(client, directory, files):
    before = client.get("/feeds/country/fr.ics", buffered=True)
    meetup = db.session.scalar(db.select(Meetup).where(Meetup.slug == "paris-evening"))
    meetup.start_time = time(19)
    db.session.commit()

    after = client.get("/feeds/country/fr.ics", buffered=True)

    assert after.headers["ETag"] != before.headers["ETag"]
    assert b"T190000" in after.data and after.data == rendered("country/fr.ics")
    etag = after.headers["ETag"].strip('"')
    kept = sorted(path.name for path in files.directory.glob("country~fr@*"))
    assert kept == [f"country~fr@{etag}.ics", f"country~fr@{etag}.ics.gz"]


def test_data_moving_while_writing_sends_the_bytes_once_and_keeps_nothing(
    app, client, directory, files, monkeypatch
):
    versions = iter(range(100, 200))  # each look at the data finds an edit landed meanwhile
    monkeypatch.setattr(catalogue, "version", lambda *_: catalogue.Version(next(versions), None, 0))

    response = client.get("/feeds/all.ics", buffered=True)

    assert response.status_code == 200
    assert response.data == rendered("all.ics")
    assert response.headers["Cache-Control"] == "no-store"
    assert "ETag" not in response.headers
    assert list(files.directory.iterdir()) == [files.directory / ".all.lock"]


def test_a_folder_that_cannot_be_written_still_gets_the_feed_served(
    app, client, directory, files, tmp_path
):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the folder should be")
    app.extensions["feed_files"] = FeedFiles(blocked)

    response = client.get("/feeds/all.ics", buffered=True)

    assert response.status_code == 200
    assert response.data == rendered("all.ics")
    assert response.headers["ETag"]


def test_files_of_older_versions_are_removed_and_unchanged_ones_not_rewritten(tmp_path):
    files = FeedFiles(tmp_path)
    writes = []

    def write(text: bytes):
        def writer(out):
            writes.append(text)
            out.write(text)

        return writer

    first = files.make("city/fr/paris.ics", "v1", write(b"one"), lambda: True)
    files.make("city/fr/paris-sud.ics", "v1", write(b"south"), lambda: True)
    same = files.make("city/fr/paris.ics", "v1", write(b"never"), lambda: True)
    second = files.make("city/fr/paris.ics", "v2", write(b"two"), lambda: True)

    assert same == first and writes == [b"one", b"south", b"two"]
    assert second.body.read_bytes() == b"two"
    assert gzip.decompress(second.gzipped.read_bytes()) == b"two"
    assert not first.body.exists() and not first.gzipped.exists()
    assert files.find("city/fr/paris-sud.ics", "v1") is not None
    assert files.find("city/fr/paris.ics", "v1") is None


def test_a_failed_write_leaves_nothing_behind(tmp_path):
    files = FeedFiles(tmp_path)

    def broken(out):
        out.write(b"half a feed")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        files.make("all.ics", "v1", broken, lambda: True)

    assert [path.name for path in tmp_path.iterdir()] == [".all.lock"]


def test_workers_asking_at_once_write_the_feed_once(tmp_path):
    files = FeedFiles(tmp_path)
    started = threading.Barrier(4)
    writes = []

    def write(out):
        writes.append(1)
        out.write(b"feed")

    def ask():
        started.wait()
        files.make("all.ics", "v1", write, lambda: True)

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(writes) == 1
