"""The demo directory's live feeds, read by three independent parsers, agree with the pages.

The pure builder is tested in depth in test_ical.py; this checks the whole path:
database → records → bytes over HTTP → calendar apps' parsers.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from meetups.extensions import db
from meetups.models import Meetup
from meetups.schedule import occurrences
from tests.calendar_parsers import (
    Window,
    read_with_ical,
    read_with_icalendar,
    read_with_icaljs,
)
from tests.test_demo import load_demo_cities

READERS = [read_with_icalendar, read_with_ical, read_with_icaljs]


@pytest.fixture
def demo(app):
    runner = app.test_cli_runner()
    load_demo_cities(runner)
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    return db.session.scalars(select(Meetup)).all()


def expected_starts(meetup: Meetup, window: Window) -> list[datetime]:
    schedule = replace(meetup.schedule, end_date=meetup.last_date)
    found = occurrences(schedule, meetup.schedule_changes, start=window.start, end=window.end)
    return sorted(o.start.astimezone(UTC) for o in found)


@pytest.mark.parametrize("reader", READERS, ids=lambda r: r.__name__.removeprefix("read_with_"))
def test_every_demo_feed_expands_to_the_schedule_modules_dates(client, demo, reader):
    today = datetime.now(UTC).date()
    window = Window(today - timedelta(days=7), today + timedelta(days=730))
    by_uid = {f"meetup-{m.id}@meetups.test": m for m in demo}
    feeds = ["/feeds/all.ics", "/feeds/city/fr/paris.ics", "/feeds/country/gb.ics"]
    feeds += ["/feeds/tag/startups.ics", "/feeds/meetup/silicon-roundabout-open-coffee.ics"]

    for url in feeds:
        parsed = reader(client.get(url).data, window)
        uids = {instance.uid for instance in parsed.instances}
        assert uids <= set(by_uid), url
        for uid in uids:
            starts = sorted(i.start for i in parsed.by_uid(uid))
            assert starts == expected_starts(by_uid[uid], window), (url, by_uid[uid].name)
    everything = reader(client.get("/feeds/all.ics").data, window)
    active = {uid for uid, m in by_uid.items() if m.status.value == "active"}
    assert {i.uid for i in everything.instances} == active
