"""Command-line tasks: `flask --app meetups <command>`."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from sqlalchemy import func, select

from . import calendars, cities, demo, export, gazetteer, venues
from .extensions import db
from .models import City, Meetup, Venue


def init_app(app: Flask) -> None:
    app.cli.add_command(load_cities_command)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(remove_demo_command)
    app.cli.add_command(export_feeds_command)
    app.cli.add_command(duplicate_venues_command)
    app.cli.add_command(merge_venues_command)


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
    click.echo(
        f"Countries added: {report.countries_added}. Cities added: {report.cities_added}, "
        f"updated: {report.cities_updated}. Names added: {report.names_added}."
    )


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
    """Write every feed as a static .ics file (default folder: feeds/), only where changed."""
    from .factory import PROJECT_ROOT
    from .feed_routes import site_settings

    target = directory or PROJECT_ROOT / "feeds"
    site = site_settings()
    items = [
        export.ExportItem(
            feed.path,
            version.etag(feed, site),
            lambda f=feed: calendars.render(db.session, f, site),
        )
        for feed, version in calendars.all_feeds(db.session)
    ]
    try:
        report = export.export(target, items)
    except export.ExportError as error:
        raise click.ClickException(str(error)) from error
    if not quiet:
        for path in report.written:
            click.echo(f"wrote   {path}")
        for path in report.removed:
            click.echo(f"removed {path}")
    click.echo(
        f"{len(report.written)} written, {report.unchanged} unchanged, "
        f"{len(report.removed)} removed, in {target}."
    )


@click.command("duplicate-venues")
def duplicate_venues_command() -> None:
    """List venue pairs that look like one place (similar name within 150 m, or same address)."""
    pairs = venues.duplicate_pairs(db.session)
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
    moved = venues.merge(db.session, keep, duplicate)
    db.session.commit()
    click.echo(
        f"Merged {duplicate_slug} into {keep_slug}: {moved} meetup(s) moved; "
        f"/v/{duplicate_slug}/ now redirects to /v/{keep_slug}/."
    )


def _venue_argument(slug: str, name: str) -> Venue:
    venue = db.session.scalar(select(Venue).where(Venue.slug == slug))
    if venue is None:
        raise click.BadParameter(f"no venue with the slug {slug!r}", param_hint=name)
    return venue
