"""`flask --app meetups sync-calendars`: bring in what meetups' own calendars changed."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import click
from flask import current_app

from meetups.extensions import db
from meetups.models import CalendarLink, utcnow
from meetups.sync import service
from meetups.sync.fetch import Limits


def settings() -> service.Settings:
    """The limits and patience the configuration sets (MEETUPS_SYNC_*)."""
    config = current_app.config
    allowed = [name.strip() for name in config["SYNC_ALLOW_HOSTS"].split(",") if name.strip()]
    return service.Settings(
        limits=Limits(
            max_bytes=config["SYNC_MAX_BYTES"],
            total_seconds=config["SYNC_TIMEOUT_SECONDS"],
            max_redirects=config["SYNC_MAX_REDIRECTS"],
            allow_hosts=tuple(allowed),
            ca_file=config["SYNC_CA_FILE"],
        ),
        failure_after=timedelta(days=config["SYNC_FAILURE_DAYS"]),
    )


@click.command("sync-calendars")
def sync_calendars_command() -> None:
    """Fetch each linked calendar (asking only for what changed) and bring its changes in.

    One transaction per meetup: a calendar that fails leaves the others synced. Run it
    from cron, every hour or so; running it again soon asks the calendars only for news.
    """
    chosen = settings()
    tally: Counter[str] = Counter()
    for link_id in [found.meetup_id for found in service.linked(db.session)]:
        found = db.session.get(CalendarLink, link_id)
        if found is None:
            continue
        outcome = service.sync(db.session, found, chosen, utcnow())
        db.session.commit()
        tally[outcome] += 1
        if outcome != "unchanged":
            click.echo(f"{found.meetup.slug}: {outcome}")
    summary = ", ".join(f"{count} {outcome}" for outcome, count in sorted(tally.items()))
    click.echo(f"{sum(tally.values())} calendars synced" + (f" ({summary})." if summary else "."))
