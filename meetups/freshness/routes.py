"""Watching a meetup, a venue or a city, and the "Yes, still happening" link of the
question watchers get (no sign-in needed).

The link opens a page whose button confirms, so mail scanners that open links
change nothing. "Something changed" goes to the edit form instead.
"""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from meetups import queries
from meetups.accounts import tokens
from meetups.accounts.forms import ButtonForm
from meetups.editing import operations
from meetups.extensions import db
from meetups.freshness import watching as watches
from meetups.models import City, Meetup, User, Venue
from meetups.schedule import time_zone
from meetups.web.i18n import city_name

bp = Blueprint("freshness", __name__)


@bp.app_template_global()
def watching(thing: Meetup | Venue | City) -> bool:
    """Whether the signed-in volunteer watches this meetup, venue or city (for its button)."""
    return current_user.is_authenticated and watches.is_watching(
        db.session, current_user._get_current_object(), thing
    )


@bp.post("/m/<slug>/watch")
@login_required
def watch(slug: str) -> Response:
    """Follow a meetup: told when it changes, is reported or deleted, and asked whether it
    still happens."""
    meetup = queries.meetup(slug) or abort(404)
    return _start(meetup, meetup.name, url_for("pages.meetup", slug=slug))


@bp.post("/m/<slug>/unwatch")
@login_required
def unwatch(slug: str) -> Response:
    meetup = queries.meetup(slug) or abort(404)
    return _stop(meetup, meetup.name, url_for("pages.meetup", slug=slug))


@bp.post("/v/<slug>/watch")
@login_required
def watch_venue(slug: str) -> Response:
    """Follow a venue: told when it or a meetup held there changes, is reported or deleted."""
    venue = queries.venue(slug) or abort(404)
    return _start(venue, venue.name, url_for("pages.venue", slug=slug))


@bp.post("/v/<slug>/unwatch")
@login_required
def unwatch_venue(slug: str) -> Response:
    venue = queries.venue(slug) or abort(404)
    return _stop(venue, venue.name, url_for("pages.venue", slug=slug))


@bp.post("/<string(length=2):country_code>/<slug>/watch")
@login_required
def watch_city(country_code: str, slug: str) -> Response:
    """Follow a city: told when a meetup there is added, changes, is reported or deleted."""
    city = queries.city(country_code, slug) or abort(404)
    return _start(city, city_name(city), _city_page(city))


@bp.post("/<string(length=2):country_code>/<slug>/unwatch")
@login_required
def unwatch_city(country_code: str, slug: str) -> Response:
    city = queries.city(country_code, slug) or abort(404)
    return _stop(city, city_name(city), _city_page(city))


def _city_page(city: City) -> str:
    return url_for("pages.city", country_code=city.country.slug, slug=city.slug)


def _start(thing: Meetup | Venue | City, name: str, page: str) -> Response:
    """CSRFProtect checked the post's token before this."""
    watches.watch(db.session, current_user._get_current_object(), thing)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()  # pressed twice at once: the other press saved the watch
    flash(gettext("You watch %(meetup)s now.", meetup=name))
    return redirect(page, 303)


def _stop(thing: Meetup | Venue | City, name: str, page: str) -> Response:
    watches.unwatch(db.session, current_user._get_current_object(), thing)
    db.session.commit()
    flash(gettext("You no longer watch %(meetup)s.", meetup=name))
    return redirect(page, 303)


@bp.route("/still-happening/<token>", methods=["GET", "POST"])
def answer(token: str) -> str:
    found = tokens.read_listing_token(current_app.config["SECRET_KEY"], token)
    watcher = db.session.get(User, found[0]) if found else None
    meetup = db.session.get(Meetup, found[1]) if found else None
    if watcher is None or meetup is None or meetup.is_deleted:
        abort(404, gettext("This link has expired, or its listing is gone."))
    form = ButtonForm()
    if request.method == "POST" and form.validate_on_submit():
        today = datetime.now(time_zone(meetup.timezone)).date()
        operations.confirm(db.session, meetup, watcher, today)
        db.session.commit()
        return render_template("freshness/answer.html", meetup=meetup, form=form, done=True)
    return render_template("freshness/answer.html", meetup=meetup, form=form, done=False)
