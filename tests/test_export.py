"""Static export: the live bytes, written atomically, only where something changed."""

from __future__ import annotations

import gc
import gzip
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest

from meetups.extensions import db
from meetups.feeds import catalogue, export, ical
from meetups.models import Meetup, MeetupStatus

FEEDS = {
    "all.ics",
    "country/fr.ics",
    "country/de.ics",
    "city/fr/paris.ics",
    "city/de/berlin.ics",
    "venue/cafe-x-paris.ics",
    "venue/kaffee-berlin.ics",
    "meetup/open-coffee-paris.ics",
    "meetup/berlin-coffee.ics",
    "tag/startups.ics",
}


@pytest.fixture
def directory(make_city, make_venue, make_meetup):
    paris = make_city("Paris")
    berlin = make_city("Berlin", "DE", "Germany", "Europe/Berlin", 52.52, 13.40)
    make_meetup("Open Coffee Paris", venue=make_venue("Café X", city=paris), tags=["startups"])
    make_meetup("Berlin Coffee", venue=make_venue("Kaffee", city=berlin))


def run_export(app, target: Path) -> str:
    result = app.test_cli_runner().invoke(args=["export-feeds", str(target)])
    assert result.exit_code == 0, result.output
    return result.output


def files_in(target: Path, suffix: str = ".ics") -> dict[str, bytes]:
    """The feeds in `target` (or, with ".ics.gz", their gzips), by relative path."""
    return {
        p.relative_to(target).as_posix(): p.read_bytes()
        for p in target.rglob("*" + suffix)
        if p.is_file() and not p.name.startswith(".")
    }


def gzips_in(target: Path) -> dict[str, bytes]:
    """Each feed's gzip beside it, by the feed's relative path."""
    return {path.removesuffix(".gz"): body for path, body in files_in(target, ".ics.gz").items()}


def test_export_writes_every_feed_with_the_bytes_the_live_route_serves(
    app, client, directory, tmp_path
):
    output = run_export(app, tmp_path)

    written = files_in(tmp_path)
    assert set(written) == FEEDS
    for path, body in written.items():
        assert client.get(f"/feeds/{path}").data == body, path
    assert "10 written, 0 unchanged, 0 removed" in output


def test_each_feed_has_the_gzip_the_live_route_sends_beside_it(app, client, directory, tmp_path):
    run_export(app, tmp_path)

    gzips = gzips_in(tmp_path)
    assert set(gzips) == FEEDS
    for path, body in gzips.items():
        assert gzip.decompress(body) == (tmp_path / path).read_bytes(), path
        sent = client.get(f"/feeds/{path}", headers={"Accept-Encoding": "gzip"})
        assert sent.data == body, path


def test_an_export_made_without_gzips_gets_them_though_nothing_changed(app, directory, tmp_path):
    run_export(app, tmp_path)
    for path in FEEDS:
        (tmp_path / f"{path}.gz").unlink()

    run_export(app, tmp_path)

    assert set(gzips_in(tmp_path)) == FEEDS


def test_a_gzip_left_without_its_feed_is_removed(app, directory, tmp_path):
    run_export(app, tmp_path)
    (tmp_path / "city" / "fr" / "gone.ics.gz").write_bytes(gzip.compress(b"BEGIN:VCALENDAR"))

    run_export(app, tmp_path)

    assert set(gzips_in(tmp_path)) == FEEDS


def test_the_batch_renderer_gives_every_feed_the_bytes_the_live_route_serves(
    app, client, make_city, make_venue, make_meetup, tmp_path
):
    """Moved and cancelled dates, pauses, series that never happen, tags, deletions."""
    paris = make_city("Paris")
    lyon = make_city("Lyon", latitude=45.76, longitude=4.83)
    cafe, annex = make_venue("Café X", city=paris), make_venue("Annexe", city=paris)
    make_meetup(
        "Open Coffee Paris",
        venue=cafe,
        tags=["startups", "tech"],
        changes=[
            {"original_date": date(2026, 12, 3), "cancelled": True},
            {"original_date": date(2026, 12, 10), "new_start_time": time(18), "venue_id": annex.id},
        ],
    )
    make_meetup("Paused", venue=annex, status=MeetupStatus.PAUSED, status_since=date(2026, 6, 1))
    make_meetup("Never", venue=annex, status=MeetupStatus.ENDED, status_since=date(2023, 1, 1))
    make_meetup("Lyon Coffee", venue=make_venue("Bouchon", city=lyon), tags=["tech"])
    make_meetup("Gone", venue=cafe, deleted_at=datetime(2026, 11, 1, tzinfo=UTC))
    london = make_city("London", "GB", "United Kingdom", "Europe/London", 51.51, -0.13)
    press = make_venue("Fleet Street Press", city=london)
    make_meetup(
        "Paris Tech",
        venue=annex,
        changes=[{"original_date": date(2026, 12, 17), "venue_id": press.id}],
    )

    run_export(app, tmp_path)

    written = files_in(tmp_path)
    assert "meetup/gone.ics" not in written and "meetup/never.ics" in written
    assert written["city/gb/london.ics"].count(b"BEGIN:VEVENT") == 1
    for path, body in written.items():
        assert client.get(f"/feeds/{path}").data == body, path


def test_a_second_export_touches_nothing(app, directory, tmp_path):
    run_export(app, tmp_path)
    stamps = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*.ics")}

    output = run_export(app, tmp_path)

    assert "0 written, 10 unchanged, 0 removed" in output
    assert {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*.ics")} == stamps


def test_after_one_edit_only_the_feeds_holding_it_are_rendered_and_written(
    app, directory, tmp_path, monkeypatch
):
    run_export(app, tmp_path)
    meetup = db.session.scalar(db.select(Meetup).filter_by(slug="berlin-coffee"))
    meetup.start_time = time(8)
    db.session.commit()
    rendered: list[str] = []
    original_render = catalogue.FeedRenderer.render

    def counting_render(self, feed):
        rendered.append(feed.path)
        return original_render(self, feed)

    monkeypatch.setattr("meetups.feeds.catalogue.FeedRenderer.render", counting_render)
    output = run_export(app, tmp_path)

    changed = {"all.ics", "country/de.ics", "city/de/berlin.ics", "venue/kaffee-berlin.ics"}
    changed |= {"meetup/berlin-coffee.ics"}
    assert set(rendered) == changed
    assert {line.split()[1] for line in output.splitlines() if line.startswith("wrote")} == changed


def count_series_renders(monkeypatch) -> list[str]:
    rendered: list[str] = []
    original = ical.render_series

    def counting(series):
        rendered.append(series.uid)
        return original(series)

    monkeypatch.setattr("meetups.feeds.ical.render_series", counting)
    return rendered


def test_the_next_export_renders_only_the_series_edited_since(
    app, client, directory, tmp_path, monkeypatch
):
    run_export(app, tmp_path)
    meetup = db.session.scalar(db.select(Meetup).filter_by(slug="berlin-coffee"))
    meetup.start_time = time(8)
    db.session.commit()
    rendered = count_series_renders(monkeypatch)

    run_export(app, tmp_path)

    assert rendered == [f"meetup-{meetup.id}@meetups.test"]
    for path, body in files_in(tmp_path).items():
        assert client.get(f"/feeds/{path}").data == body, path


@pytest.mark.parametrize("damage", ["other settings", "corrupt", "missing"])
def test_a_series_cache_that_cannot_be_trusted_is_rebuilt(
    app, client, directory, tmp_path, monkeypatch, damage
):
    run_export(app, tmp_path)
    cache = tmp_path / export.SERIES_CACHE
    if damage == "other settings":
        app.config["SITE_NAME"] = "Another name"
    elif damage == "corrupt":
        cache.write_text('{"settings": [', encoding="utf-8")
    else:
        cache.unlink()
    db.session.scalar(db.select(Meetup).filter_by(slug="berlin-coffee")).start_time = time(8)
    db.session.commit()
    rendered = count_series_renders(monkeypatch)

    run_export(app, tmp_path)

    assert len(rendered) == 2
    for path, body in files_in(tmp_path).items():
        assert client.get(f"/feeds/{path}").data == body, path


def test_feeds_that_no_longer_exist_are_removed(app, directory, tmp_path):
    run_export(app, tmp_path)
    db.session.delete(db.session.scalar(db.select(Meetup).filter_by(slug="berlin-coffee")))
    db.session.commit()

    output = run_export(app, tmp_path)

    assert "removed city/de/berlin.ics" in output
    assert set(files_in(tmp_path)) == {p for p in FEEDS if "de" not in p and "berlin" not in p}
    assert set(gzips_in(tmp_path)) == set(files_in(tmp_path))
    assert not (tmp_path / "city" / "de").exists()


def test_an_interrupted_export_leaves_only_whole_files_and_the_next_run_repairs(
    app, directory, tmp_path
):
    run_export(app, tmp_path)
    before = files_in(tmp_path)
    (tmp_path / "city" / "fr" / ".paris.ics.x1y2.partial").write_bytes(b"BEGIN:VCALENDAR\r\n")
    meetup = db.session.scalar(db.select(Meetup).filter_by(slug="open-coffee-paris"))
    meetup.start_time = time(7)
    db.session.commit()
    calls = 0

    def render_then_crash() -> bytes:
        nonlocal calls
        calls += 1
        raise KeyboardInterrupt

    items = [export.ExportItem(path, "new-etag", render_then_crash) for path in sorted(FEEDS)]
    with pytest.raises(KeyboardInterrupt):
        export.export(tmp_path, items)

    assert files_in(tmp_path) == before
    assert not list(tmp_path.rglob("*.partial"))
    run_export(app, tmp_path)
    assert files_in(tmp_path)["city/fr/paris.ics"] != before["city/fr/paris.ics"]


def test_a_crash_while_writing_leaves_the_old_file_and_no_partial_one(tmp_path, monkeypatch):
    target = tmp_path / "all.ics"
    target.write_bytes(b"old")

    def disk_full(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("meetups.feeds.export.os.replace", disk_full)
    with pytest.raises(export.ExportError, match="No space left on device"):
        export.export(tmp_path, [export.ExportItem("all.ics", "e", lambda: b"new")])

    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["all.ics"]


def test_an_unwritable_folder_is_a_clear_error(app, directory, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the folder should be")

    result = app.test_cli_runner().invoke(args=["export-feeds", str(blocker / "feeds")])

    assert result.exit_code == 1
    assert "Cannot write feeds to" in result.output
    assert gc.isenabled()  # paused while the directory was loaded, whatever happened
