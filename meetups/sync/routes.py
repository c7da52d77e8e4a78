"""Volunteers' page for a meetup's own calendar: link it, pick its series, settle conflicts.

Parse, call `sync.service`, render. Reading the calendar goes through the same safe
fetch as `sync-calendars`, so a volunteer sees at once why an address cannot be followed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from meetups import queries
from meetups.accounts.forms import ButtonForm
from meetups.editing import wording
from meetups.extensions import db
from meetups.models import CalendarLink, Meetup, utcnow
from meetups.schedule import ScheduleError
from meetups.sync import service, sources
from meetups.sync.commands import settings
from meetups.sync.fetch import FetchError
from meetups.sync.forms import CalendarForm
from meetups.web.i18n import translate
from meetups.web.rate_limits import limit_edits

bp = Blueprint("sync", __name__)


@bp.app_template_global()
def calendar_link(meetup: Meetup) -> CalendarLink | None:
    """The signed-in volunteer's view of a meetup's calendar link (for its page)."""
    if not current_user.is_authenticated:
        return None
    return service.link_for(db.session, meetup)


@bp.app_template_global()
def sync_message(stored: dict[str, Any]) -> str:
    """A stored failure or mismatch ({"msgid", "params"}) in the volunteer's language."""
    return gettext(stored["msgid"], **stored.get("params", {})) if stored else ""


@bp.route("/m/<slug>/calendar", methods=["GET", "POST"])
@login_required
@limit_edits
def calendar(slug: str) -> str | Response | tuple[str, int]:
    """Paste an address, read it, pick the series; or stop following it."""
    meetup = queries.meetup(slug) or abort(404)
    form = CalendarForm()
    if request.method == "GET":
        return _page(meetup, form)
    if request.form.get("action") == "unlink":
        if ButtonForm().validate_on_submit():
            service.unlink(db.session, meetup)
            db.session.commit()
            flash(gettext("This meetup no longer follows a calendar."))
        return redirect(url_for("sync.calendar", slug=slug))
    if not form.validate_on_submit():
        return _page(meetup, form), 400
    url = (form.url.data or "").strip()
    try:
        choices = service.read_choices(url, settings(), utcnow())
    except (FetchError, sources.SourceError) as error:
        form.url.errors = [translate(error)]
        return _page(meetup, form), 400
    chosen = next((c for c in choices if c.key == request.form.get("series")), None)
    if chosen is None:
        if not choices:
            form.url.errors = [gettext("This calendar has no dates to come.")]
            return _page(meetup, form), 400
        return _page(meetup, form, choices=choices)
    service.link(db.session, meetup, url, chosen, utcnow())
    db.session.commit()
    flash(gettext("Linked. The next sync brings in what the calendar changes."))
    return redirect(url_for("sync.calendar", slug=slug))


@bp.post("/m/<slug>/calendar/conflicts")
@login_required
@limit_edits
def settle(slug: str) -> Response | tuple[str, int]:
    """A volunteer's choice between the listing and its calendar, for one field."""
    meetup = queries.meetup(slug) or abort(404)
    found = service.link_for(db.session, meetup) or abort(404)
    if not ButtonForm().validate_on_submit():
        abort(400)
    field = request.form.get("field", "")
    try:
        service.settle(
            db.session, found, field, request.form.get("take") == "calendar", current_user, utcnow()
        )
    except ScheduleError as error:
        db.session.rollback()
        flash(translate(error))
        return redirect(url_for("sync.calendar", slug=slug))
    db.session.commit()
    flash(gettext("Saved."))
    return redirect(url_for("sync.calendar", slug=slug))


def _page(
    meetup: Meetup, form: CalendarForm, choices: list[sources.SeriesChoice] | None = None
) -> str:
    found = service.link_for(db.session, meetup)
    if found is not None and request.method == "GET":
        form.url.data = found.url
    mismatch = found.mismatch if found is not None else {}
    return render_template(
        "sync/calendar.html",
        meetup=meetup,
        form=form,
        link=found,
        choices=choices,
        conflicts=_conflicts(found, meetup),
        ours=meetup.next_dates(utcnow(), 6),
        their_dates=[datetime.fromisoformat(day) for day in mismatch.get("dates", [])],
        failure_days=current_app.config["SYNC_FAILURE_DAYS"],
    )


def _conflicts(found: CalendarLink | None, meetup: Meetup) -> list[dict[str, str]]:
    """Each waiting conflict as the page says it: what, this listing's, the calendar's."""
    if found is None:
        return []
    shown = []
    for field, (ours, theirs) in sorted(found.conflicts.items()):
        label, our_value = wording.field_in_words(field, ours, meetup)
        their_value = wording.field_in_words(field, theirs, meetup)[1]
        shown.append({"field": field, "label": label, "ours": our_value, "theirs": their_value})
    return shown
