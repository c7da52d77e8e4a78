"""Command-line tasks: `flask --app meetups <command>`."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from sqlalchemy import func, select

from meetups import demo, statistics, zone_database
from meetups.accounts import passwords, volunteers
from meetups.collection import collector_paused
from meetups.editing import duplicates
from meetups.extensions import db
from meetups.feeds import catalogue, export, series, zone_updates
from meetups.freshness.commands import ask_confirmations_command
from meetups.mail.commands import send_mail_command
from meetups.models import City, Meetup, Role, Venue, utcnow
from meetups.places import cities, gazetteer, locating, towns
from meetups.sync.commands import sync_calendars_command
from meetups.web.i18n import DEFAULT_LANGUAGE, LANGUAGES


def init_app(app: Flask) -> None:
    app.cli.add_command(load_cities_command)
    app.cli.add_command(index_towns_command)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(remove_demo_command)
    app.cli.add_command(export_feeds_command)
    app.cli.add_command(time_zones_command)
    app.cli.add_command(duplicate_venues_command)
    app.cli.add_command(merge_venues_command)
    app.cli.add_command(geocode_venues_command)
    app.cli.add_command(create_moderator_command)
    app.cli.add_command(sync_calendars_command)
    app.cli.add_command(set_password_command)
    app.cli.add_command(send_mail_command)
    app.cli.add_command(ask_confirmations_command)


@click.command("load-cities")
@click.option(
    "--min-population",
    type=click.IntRange(min=15000),
    default=15000,
    show_default=True,
    help="Leave out smaller cities.",
)
@click.option(
    "--country",
    "countries",
    multiple=True,
    metavar="CODE",
    help="Load only this country (ISO 3166 code); repeatable.",
)
@click.option("--if-empty", is_flag=True, help="Do nothing when cities are already loaded.")
def load_cities_command(min_population: int, countries: tuple[str, ...], if_empty: bool) -> None:
    """Load GeoNames cities and country names; safe to run again."""
    if if_empty and db.session.scalar(select(func.count(City.id))):
        click.echo("Cities already loaded; nothing to do.")
        return
    names = gazetteer.countries()
    unknown = sorted({code.upper() for code in countries} - set(names))
    if unknown:
        raise click.BadParameter(
            f"unknown country code(s): {', '.join(unknown)}", param_hint="--country"
        )
    records = gazetteer.cities(min_population, countries or None)
    report = cities.load_cities(db.session, names, records)
    statistics.refresh(db.session)
    click.echo(
        f"Countries added: {report.countries_added}. Cities added: {report.cities_added}, "
        f"updated: {report.cities_updated}. Names added: {report.names_added}."
    )


@click.command("index-towns")
def index_towns_command() -> None:
    """Build the file of towns of 500+ people that volunteers can add (TOWNS_INDEX)."""
    path = Path(current_app.config["TOWNS_INDEX"])
    path.parent.mkdir(parents=True, exist_ok=True)
    count = towns.build(path)
    click.echo(f"Towns indexed: {count}, in {path}.")


@click.command("seed-demo")
def seed_demo_command() -> None:
    """Add demo meetups, venues and date changes, only into a directory with no meetups."""
    if db.session.scalar(select(func.count(Meetup.id))):
        click.echo("The directory already has meetups; demo data not added.")
        return
    try:
        added = demo.seed(db.session)
    except demo.MissingCity as error:
        db.session.rollback()
        raise click.ClickException(
            f"{error} Run `flask --app meetups load-cities` first."
        ) from error
    statistics.refresh(db.session)
    click.echo(f"Demo data added: {added} meetups. Pages say that they are demo data.")


@click.command("remove-demo")
def remove_demo_command() -> None:
    """Delete the demo meetups and venues, keeping everything volunteers added."""
    removed = demo.remove(db.session)
    click.echo(f"Demo data removed: {removed} meetups.")


@click.command("export-feeds")
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--quiet", is_flag=True, help="Print only the summary.")
def export_feeds_command(directory: Path | None, quiet: bool) -> None:
    """Write every feed as a static .ics file (default folder: ./feeds), only where changed."""
    target = directory or Path("feeds")
    site = catalogue.site_settings(current_app.config)
    # A tzdata upgrade re-dates the series it moves before their feeds are compared.
    _apply_time_zone_release(quiet=True)
    # Series made by the last run, if it ran with these settings, and its VTIMEZONEs if it
    # ran with this time zone release: only edits (and re-dated series) re-render.
    state = export.read_state(target, export.SERIES_CACHE)
    settings = [
        catalogue.FEED_FORMAT,
        site.base_url,
        site.domain,
        site.name,
        str(site.refresh),
    ]
    kept = state if state.get("settings") == settings else {}
    if kept.get("time_zone_release") != zone_database.release():
        kept = {**kept, "zones": {}}
    with collector_paused():
        report = _export_feeds(target, site, settings, kept)
    if not quiet:
        for path in report.written:
            click.echo(f"wrote   {path}")
        for path in report.removed:
            click.echo(f"removed {path}")
    click.echo(
        f"{len(report.written)} written, {report.unchanged} unchanged, "
        f"{len(report.removed)} removed, in {target}."
    )


def _export_feeds(
    target: Path, site: catalogue.SiteSettings, settings: list[str], kept: dict
) -> export.ExportReport:
    """Write what changed since the run that left `kept` (its series and VTIMEZONEs)."""
    renderer = catalogue.FeedRenderer(
        db.session,
        site,
        series.JsonSeriesCache(_dict(kept.get("series"))),
        _dict(kept.get("zones")),
    )
    items = [
        export.ExportItem(feed.path, version.etag(feed, site), lambda f=feed: renderer.render(f))
        for feed, version in renderer.feeds()
    ]
    try:
        report = export.export(target, items)
        if renderer.loaded:
            export.write_state(
                target,
                export.SERIES_CACHE,
                {
                    "settings": settings,
                    "series": renderer.cache.data,
                    "zones": renderer.zones,
                    "time_zone_release": zone_database.release(),
                },
            )
    except export.ExportError as error:
        raise click.ClickException(str(error)) from error
    return report


@click.command("time-zones")
def time_zones_command() -> None:
    """Apply the tzdata release in use: re-date (SEQUENCE, ETags) the series in zones it changed.

    Run after every tzdata upgrade (`make tzdata` does); running it again changes nothing.
    """
    _apply_time_zone_release(quiet=False)


def _apply_time_zone_release(quiet: bool) -> None:
    applied = zone_updates.apply_release(db.session, utcnow())
    db.session.commit()
    if quiet and not applied.zones:
        return
    changed = ", ".join(applied.zones) or "none"
    click.echo(
        f"Time zone release {applied.release}: zones changed: {changed}; "
        f"{applied.series} series re-dated."
    )


def _dict(value: object) -> dict:
    return value if isinstance(value, dict) else {}


@click.command("duplicate-venues")
def duplicate_venues_command() -> None:
    """List venue pairs that look like one place (similar name within 150 m, or same address)."""
    pairs = duplicates.duplicate_pairs(db.session)
    for first, second in pairs:
        click.echo(f"{first.slug}  {second.slug}   ({first.name} / {second.name})")
    click.echo(f"{len(pairs)} possible duplicate(s). Merge with: merge-venues KEEP DUPLICATE")


@click.command("merge-venues")
@click.argument("keep_slug", metavar="KEEP")
@click.argument("duplicate_slug", metavar="DUPLICATE")
def merge_venues_command(keep_slug: str, duplicate_slug: str) -> None:
    """Move DUPLICATE's meetups to KEEP and make DUPLICATE's address redirect to KEEP."""
    keep = _venue_argument(keep_slug, "KEEP")
    duplicate = _venue_argument(duplicate_slug, "DUPLICATE")
    if keep.id == duplicate.id:
        raise click.BadParameter("KEEP and DUPLICATE are the same venue.")
    moved = duplicates.merge(db.session, keep, duplicate, None, utcnow())
    db.session.commit()
    click.echo(
        f"Merged {duplicate_slug} into {keep_slug}: {moved} meetup(s) moved; "
        f"/v/{duplicate_slug}/ now redirects to /v/{keep_slug}/."
    )


@click.command("geocode-venues")
@click.option("--limit", type=click.IntRange(min=1), help="Stop after N venues.")
def geocode_venues_command(limit: int | None) -> None:
    """Geocode venues whose coordinates are missing or approximate; never manual ones.

    Each venue is committed on its own, so an interrupted run loses nothing and
    the next one resumes; cached answers are not asked again.
    """
    settings = locating.settings_from_config(current_app.config)
    if not settings.enabled:
        raise click.ClickException(
            "Geocoding is disabled. Enable it with MEETUPS_GEOCODER_ENABLED=true and a "
            "MEETUPS_GEOCODER_USER_AGENT naming your site and a contact (see README, Geocoding)."
        )
    geocoder = locating.shared_geocoder(settings)
    geocoded, approximate, errors = 0, [], []
    with click.progressbar(locating.venues_to_geocode(db.session, limit), label="Geocoding") as ids:
        for venue_id in ids:
            venue = db.session.get_one(Venue, venue_id)
            location = locating.locate_venue(db.session, venue, geocoder, now=utcnow())
            db.session.commit()
            if not location.is_approximate:
                geocoded += 1
            else:
                (errors if location.retry_later else approximate).append(
                    f"{venue.slug}: {location.error}"
                )
    for line in (*approximate, *errors):
        click.echo(line)
    click.echo(
        f"{geocoded} geocoded, {len(approximate)} still approximate, "
        f"{len(errors)} failed (still approximate; run again later)."
    )


def _venue_argument(slug: str, name: str) -> Venue:
    venue = db.session.scalar(select(Venue).where(Venue.slug == slug))
    if venue is None:
        raise click.BadParameter(f"no venue with the slug {slug!r}", param_hint=name)
    return venue


_PASSWORD_STDIN = click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from the first line of standard input instead of prompting.",
)


@click.command("create-moderator")
@click.argument("email")
@click.option("--name", help="The display name of a new account.")
@click.option(
    "--language",
    type=click.Choice(sorted(LANGUAGES)),
    help=f"The language of the account's mail (a new account: {DEFAULT_LANGUAGE}).",
)
@_PASSWORD_STDIN
def create_moderator_command(
    email: str, name: str | None, language: str | None, password_stdin: bool
) -> None:
    """Create a moderator account, or make an existing account a moderator.

    How the first moderator comes to be; an existing account keeps its password, and its
    language unless one is given.
    """
    user = volunteers.find_account(db.session, email)
    if user is not None:
        volunteers.make_moderator(user)
        user.language = language or user.language
        db.session.commit()
        click.echo(f"{user.email} is a moderator (password unchanged: set-password changes it).")
        return
    email = _new_email(email)
    name = (name or "").strip()
    if not 0 < len(name) <= 80:
        raise click.UsageError("--name, of 1 to 80 characters, is required for a new account.")
    password = _new_password(password_stdin, email=email, display_name=name)
    volunteers.create_account(
        db.session,
        email=email,
        display_name=name,
        password=password,
        role=Role.MODERATOR,
        language=language or DEFAULT_LANGUAGE,
    )
    db.session.commit()
    click.echo(f"Moderator {email} ({name}) created.")


@click.command("set-password")
@click.argument("email")
@_PASSWORD_STDIN
def set_password_command(email: str, password_stdin: bool) -> None:
    """Set a new password for an account and lift any lockout: for a site that sends no mail."""
    user = volunteers.find_account(db.session, email)
    if user is None:
        raise click.BadParameter(f"no account with the email {email!r}", param_hint="EMAIL")
    password = _new_password(password_stdin, email=user.email, display_name=user.display_name)
    volunteers.set_password(user, password)
    db.session.commit()
    click.echo(f"Password set for {user.email}; the account can sign in now.")


def _new_email(email: str) -> str:
    email = volunteers.normalise_email(email)
    if not volunteers.plausible_email(email):
        raise click.BadParameter(
            f"{email!r} does not look like an email address", param_hint="EMAIL"
        )
    return email


def _new_password(from_stdin: bool, *, email: str, display_name: str) -> str:
    """Never from an argument: it would stay in the shell history and the process list."""
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt="Password again")
    problem = passwords.password_problem(password, email=email, display_name=display_name)
    if problem:
        raise click.ClickException(f"Password refused: {problem}")
    return password
