"""Volunteers' pages for meetups: add, edit, change one date, confirm, history, revert."""

from __future__ import annotations

from datetime import UTC, date, datetime

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import force_locale, gettext, lazy_gettext
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from meetups import queries
from meetups.accounts import roles
from meetups.editing import atom, deletion, history, locking, operations, wording
from meetups.editing.duplicates import possible_duplicates
from meetups.editing.forms import DateChangeForm, MeetupForm, VenueForm
from meetups.extensions import db
from meetups.models import (
    WITH_DELETED,
    City,
    CoordinateSource,
    Meetup,
    MeetupStatus,
    Revision,
    Venue,
    utcnow,
)
from meetups.places import cities, locating, shifts
from meetups.places.geocoding import Geocoder
from meetups.places.towns import TownIndex
from meetups.schedule import Occurrence, ScheduleError, end_time, next_occurrences, time_zone
from meetups.web import page_cache, row_ids
from meetups.web.i18n import DEFAULT_LANGUAGE, chosen_language, city_name, translate
from meetups.web.rate_limits import limit_edits, limit_previews

bp = Blueprint("editing", __name__)


@bp.get("/add")
@login_required
def add_meetup() -> str:
    """The way in for a volunteer: pick the city, then pick (or add) the venue, then the
    meetup form with its schedule. Plain links and GET forms: nothing is saved here."""
    city = db.session.get(City, request.args.get("city", type=row_ids.row_id) or 0)
    text = request.args.get("q", "").strip()[:100]
    if city is None:
        return _city_choice(text, more_towns=request.args.get("towns") == "1")
    return render_template(
        "edit/add.html", city=city, q=text, venues=queries.venues_in_city(city.id, text)
    )


@bp.post("/add/town")
@login_required
@limit_edits
def add_town() -> Response | tuple[str, int]:
    """A town the directory had not loaded joins it on its first use, then its venues."""
    town_id = request.form.get("town", type=row_ids.row_id)
    try:
        city = locking.commit_creation(
            db.session, lambda: cities.add_town(db.session, _towns(), town_id or 0)
        )
    except cities.UnknownTown:
        text = request.form.get("q", "").strip()[:100]
        problem = gettext("That town is not in the offline list of towns. Search for it again.")
        return _city_choice(text, problem=problem), 404
    return redirect(url_for("editing.add_meetup", city=city.id))


def _city_choice(text: str, more_towns: bool = False, problem: str = "") -> str:
    """The directory's cities a search names; towns it has not loaded when none (or asked)."""
    found = queries.search_cities(text)
    towns = (
        cities.towns_to_add(db.session, _towns(), text)
        if text and (more_towns or not found)
        else []
    )
    return render_template(
        "edit/add.html",
        q=text,
        cities=found,
        neighbours=queries.namesake_neighbours(found),
        towns=[(town, queries.nearest_city(town.latitude, town.longitude)) for town in towns],
        problem=problem,
    )


def _towns() -> TownIndex:
    return TownIndex(current_app.config["TOWNS_INDEX"])


@bp.route("/venues/new", methods=["GET", "POST"])
@login_required
@limit_edits
def new_venue() -> str | Response | tuple[str, int]:
    """Check (geocode, look for duplicates) before saving: nothing is stored until Save."""
    city = db.session.get(City, request.args.get("city", type=row_ids.row_id) or 0) or abort(404)
    form = VenueForm()
    if request.method == "GET":
        return render_template("edit/venue.html", form=form, city=city, venue=None)
    fields = _venue_fields(form)
    drafted = None
    if fields is not None:
        try:
            drafted = operations.draft_venue(db.session, city, fields, _geocoder(), utcnow())
        except ValueError as error:
            _coordinates_error(form, error)
    warnings = _unconfirmed_shifts(drafted[0], old_zone=None) if drafted else []
    if not drafted or request.form.get("action") != "save" or warnings:
        preview = _preview(drafted[0]) if drafted else {}
        # Keep the geocoder's answer (so Save asks nothing again); the venue is not saved.
        db.session.commit()
        placed = drafted[1] if drafted else None
        page = render_template(
            "edit/venue.html",
            form=form,
            city=city,
            venue=None,
            preview=placed,
            warnings=warnings,
            **preview,
        )
        return page, 200 if drafted else 400
    venue = drafted[0]
    try:
        locking.commit_creation(
            db.session, lambda: operations.create_venue(db.session, venue, current_user)
        )
    except locking.CreationConflict as conflict:
        form.name.errors = [*form.name.errors, translate(conflict)]
        return render_template("edit/venue.html", form=form, city=city, venue=None), 409
    flash(gettext("Venue added. Now add the meetup held there."))
    return redirect(url_for(".new_meetup", venue=venue.slug))


@bp.route("/v/<slug>/edit", methods=["GET", "POST"])
@login_required
@limit_edits
def edit_venue(slug: str) -> str | Response | tuple[str, int]:
    venue = queries.venue(slug) or abort(404)
    form = VenueForm(obj=None if request.method == "POST" else venue)
    if request.method == "GET":
        form.version.data = operations.version_token(venue)
        if venue.coordinates_source != CoordinateSource.MANUAL:
            form.latitude.data = form.longitude.data = ""
        return render_template("edit/venue.html", form=form, city=venue.city, venue=venue)
    fields = _venue_fields(form)
    if fields is None:
        return render_template("edit/venue.html", form=form, city=venue.city, venue=venue), 400
    try:
        _, placed = operations.update_venue(
            db.session,
            venue,
            fields,
            current_user,
            form.version.data or "",
            _geocoder(),
            utcnow(),
            _unconfirmed_shifts,
        )
    except ValueError as error:
        db.session.rollback()
        _coordinates_error(form, error)
        return render_template("edit/venue.html", form=form, city=venue.city, venue=venue), 400
    except operations.EditConflict as conflict:
        db.session.rollback()
        form.form_errors.append(
            gettext("%(problem)s Compare below, then save again.", problem=translate(conflict))
        )
        form.version.data = operations.version_token(venue)
        page = render_template(
            "edit/venue.html", form=form, city=venue.city, venue=venue, current=venue
        )
        return page, 409
    except operations.NeedsConfirmation as shift:
        db.session.rollback()
        page = render_template(
            "edit/venue.html", form=form, city=venue.city, venue=venue, warnings=shift.warnings
        )
        return page, 200
    db.session.commit()
    if placed.error:
        flash(gettext("Saved. Position approximate: %(reason)s.", reason=translate(placed.error)))
    else:
        flash(gettext("Saved."))
    return redirect(url_for("pages.venue", slug=venue.slug))


@bp.route("/meetups/new", methods=["GET", "POST"])
@login_required
@limit_edits
def new_meetup() -> str | Response | tuple[str, int]:
    """Step 3 of adding a meetup: its schedule, with the dates it makes shown before saving."""
    venue = queries.venue(request.args.get("venue", "")) or abort(404)
    form = MeetupForm()
    form.offer_languages()
    if request.method == "GET":
        form.first_date.data = datetime.now(time_zone(venue.timezone)).date()
        return render_template("edit/meetup.html", form=form, venue=venue, meetup=None)
    fields = _fields(form, venue.timezone)
    if fields is None or request.form.get("action") == "preview":
        page = render_template(
            "edit/meetup.html",
            form=form,
            venue=venue,
            meetup=None,
            preview=_preview_dates(form, venue.timezone),
        )
        return page, 200 if fields else 400
    try:
        meetup = locking.commit_creation(
            db.session, lambda: operations.create_meetup(db.session, venue, fields, current_user)
        )
    except locking.CreationConflict as conflict:
        form.name.errors = [*form.name.errors, translate(conflict)]
        return render_template("edit/meetup.html", form=form, venue=venue, meetup=None), 409
    except deletion.Refused as refused:
        db.session.rollback()
        form.form_errors.append(translate(refused))
        return render_template("edit/meetup.html", form=form, venue=venue, meetup=None), 409
    flash(gettext("Meetup added. Thank you!"))
    return redirect(url_for("pages.meetup", slug=meetup.slug))


@bp.route("/m/<slug>/edit", methods=["GET", "POST"])
@login_required
@limit_edits
def edit_meetup(slug: str) -> str | Response | tuple[str, int]:
    meetup = queries.meetup(slug) or abort(404)
    form = MeetupForm(obj=None if request.method == "POST" else _FormView(meetup))
    form.offer_languages(meetup.language_list)
    if request.method == "GET":
        return render_template("edit/meetup.html", form=form, venue=meetup.venue, meetup=meetup)
    fields = _fields(form, meetup.timezone)
    if fields is None or request.form.get("action") == "preview":
        db.session.rollback()
        return _edit_page(form, meetup, 200 if fields else 400, with_preview=True)
    try:
        operations.update_meetup(db.session, meetup, fields, current_user, form.version.data or "")
    except operations.EditConflict as conflict:
        db.session.rollback()
        form.form_errors.append(
            gettext("%(problem)s Compare below, then save again.", problem=translate(conflict))
        )
        form.version.data = operations.version_token(meetup)
        return _edit_page(form, meetup, 409, current=meetup)
    db.session.commit()
    flash(gettext("Saved."))
    return redirect(url_for("pages.meetup", slug=meetup.slug))


@bp.post("/meetups/preview")
@login_required
@limit_previews
def preview_dates() -> str:
    """The next dates of the schedule on a meetup form, as the page would list them: what
    the form's script shows as the volunteer types. Nothing is saved; a half-filled form
    gets a hint, never an error page."""
    meetup = queries.meetup(request.args.get("meetup", ""))
    venue = meetup.venue if meetup else queries.venue(request.args.get("venue", ""))
    if venue is None:
        abort(404)
    form = MeetupForm()
    form.offer_languages(meetup.language_list if meetup else ())
    form.validate()
    dates = _preview_dates(form, meetup.timezone if meetup else venue.timezone)
    return render_template("edit/_preview.html", preview=dates, venue=venue)


@bp.route("/m/<slug>/dates/<day>", methods=["GET", "POST"])
@login_required
@limit_edits
def change_date(slug: str, day: str) -> str | Response | tuple[str, int]:
    meetup = queries.meetup(slug) or abort(404)
    original = _date_or_400(day)
    occurrence = meetup.occurrence_on(original)
    if occurrence is None and not any(c.original_date == original for c in meetup.changes):
        abort(
            404,
            gettext("%(name)s has no date on %(day)s.", name=meetup.name, day=original.isoformat()),
        )
    form = DateChangeForm()
    saved = next((c for c in meetup.changes if c.original_date == original), None)
    page = {
        "form": form,
        "meetup": meetup,
        "original": original,
        "occurrence": occurrence,
        "nearby_venues": queries.venues_in_city(meetup.venue.city_id),
        # Its times are entered and shown in the zone of the venue it moved to.
        "moved_to": saved.venue if saved is not None and not saved.cancelled else None,
    }
    if request.method == "GET":
        if saved is not None and not saved.cancelled:
            form.show_move(saved, meetup.start_time)
        return render_template("edit/date.html", **page)
    if not form.validate():
        return render_template("edit/date.html", **page), 400
    try:
        change = _date_change(form, meetup)
        operations.change_date(db.session, meetup, original, change, current_user)
    except (ScheduleError, ValueError) as error:
        db.session.rollback()
        form.form_errors.append(translate(error))
        return render_template("edit/date.html", **page), 400
    except deletion.Refused as refused:
        db.session.rollback()
        form.form_errors.append(translate(refused))
        return render_template("edit/date.html", **page), 409
    db.session.commit()
    flash(gettext("Date updated: the calendars of subscribers will follow."))
    return redirect(url_for("pages.meetup", slug=meetup.slug))


@bp.post("/m/<slug>/confirm")
@login_required
@limit_edits
def confirm(slug: str) -> Response:
    meetup = queries.meetup(slug) or abort(404)
    operations.confirm(
        db.session, meetup, current_user, datetime.now(time_zone(meetup.timezone)).date()
    )
    db.session.commit()
    flash(gettext("Thank you: marked as still happening today."))
    return redirect(url_for("pages.meetup", slug=slug))


@bp.post("/m/<slug>/status")
@login_required
@limit_edits
def set_status(slug: str) -> Response:
    meetup = queries.meetup(slug) or abort(404)
    try:
        status = MeetupStatus(request.form.get("status", ""))
    except ValueError:
        abort(400, gettext("Choose active, paused or ended."))
    operations.set_status(db.session, meetup, status, current_user)
    db.session.commit()
    flash(str(_STATUS_NOW[status]))
    return redirect(url_for("pages.meetup", slug=slug))


@bp.post("/<any(m, v):kind>/<slug>/delete")
@login_required
@limit_edits
def delete(kind: str, slug: str) -> Response:
    """Any volunteer may delete (spam, mistakes); it is logged and restorable."""
    item = _item(kind, slug)
    try:
        operations.delete(db.session, item, current_user, utcnow())
    except deletion.Refused as refused:
        db.session.rollback()
        flash(gettext("Not deleted. %(reason)s", reason=translate(refused)))
        return redirect(url_for(_PAGES[kind], slug=slug))
    db.session.commit()
    flash(gettext("%(name)s is deleted. Its page shows how to restore it.", name=item.name))
    return redirect(url_for(_PAGES[kind], slug=slug))


@bp.post("/<any(m, v):kind>/<slug>/restore")
@login_required
@limit_edits
def restore(kind: str, slug: str) -> Response:
    """Like undoing the deletion: whoever deleted it, moderators and trusted volunteers."""
    item = _item(kind, slug, include_deleted=True)
    deleted_by = queries.deletion_of(item)
    if not roles.may_undo(current_user, deleted_by.user_id if deleted_by else None):
        abort(
            403,
            gettext(
                "Only moderators and trusted volunteers can restore what someone else deleted."
            ),
        )
    try:
        operations.restore(db.session, item, current_user)
    except deletion.Refused as refused:
        db.session.rollback()
        flash(gettext("Not restored. %(reason)s", reason=translate(refused)))
        return redirect(url_for(_PAGES[kind], slug=slug))
    db.session.commit()
    flash(gettext("%(name)s is back in the directory.", name=item.name))
    return redirect(url_for(_PAGES[kind], slug=slug))


@bp.get("/m/<slug>/history")
@page_cache.for_visitors
def meetup_history(slug: str) -> str:
    meetup = queries.meetup(slug, include_deleted=True) or abort(404)
    revisions = wording.in_words((r, meetup) for r in queries.revisions("meetup", meetup.id))
    return render_template(
        "edit/history.html",
        item=meetup,
        city=meetup.venue.city,
        item_url=url_for("pages.meetup", slug=meetup.slug),
        revisions=revisions,
    )


@bp.get("/v/<slug>/history")
@page_cache.for_visitors
def venue_history(slug: str) -> str:
    venue = queries.venue(slug, include_deleted=True) or abort(404)
    revisions = wording.in_words((r, venue) for r in queries.revisions("venue", venue.id))
    return render_template(
        "edit/history.html",
        item=venue,
        city=venue.city,
        item_url=url_for("pages.venue", slug=venue.slug),
        revisions=revisions,
    )


@bp.get("/changes")
@page_cache.for_visitors
def recent_changes() -> str:
    return render_template(
        "edit/changes.html", revisions=wording.in_words(queries.recent_revisions())
    )


@bp.get("/changes.atom")
def recent_changes_feed() -> Response:
    """Recent changes for feed readers, in words; in English unless the address asks
    (`?lang=fr`), since a feed reader sends no language of its own."""
    base = current_app.config["BASE_URL"].rstrip("/")
    domain = current_app.config["SITE_DOMAIN"]
    with force_locale(chosen_language() or DEFAULT_LANGUAGE):
        told = wording.in_words(queries.recent_revisions())
        entries = [_atom_entry(revision, base, domain) for revision in told]
    body = atom.build_feed(
        f"Recent changes · {current_app.config['SITE_NAME']}",
        f"tag:{domain},2026:changes",
        base + url_for(".recent_changes_feed"),
        base + url_for(".recent_changes"),
        entries,
    )
    return Response(body, content_type="application/atom+xml; charset=utf-8")


@bp.post("/revisions/<id:revision_id>/revert")
@login_required
@limit_edits
def revert(revision_id: int) -> Response | tuple[str, int]:
    revision = db.session.get(Revision, revision_id) or abort(404)
    if not roles.may_undo(current_user, revision.user_id):
        abort(
            403, gettext("Only moderators and trusted volunteers can undo other people's changes.")
        )
    try:
        history.revert(db.session, revision, current_user)
    except history.RevertConflict as conflict:
        db.session.rollback()
        flash(gettext("Not undone. %(reason)s", reason=translate(conflict)))
        return redirect(request.referrer or url_for(".recent_changes"))
    db.session.commit()
    flash(gettext("Change undone."))
    return redirect(_page_of(revision))


@bp.post("/revisions/<id:revision_id>/restore-version")
@login_required
@limit_edits
def restore_version(revision_id: int) -> Response:
    """Back to how a listing was after this revision: for whoever may undo anyone's edit."""
    revision = db.session.get(Revision, revision_id) or abort(404)
    if not roles.undoes_anyones(current_user):
        abort(403, gettext("Only moderators and trusted volunteers can go back to a version."))
    try:
        restored = history.restore_version(db.session, revision, current_user)
    except history.RevertConflict as conflict:
        db.session.rollback()
        flash(gettext("Not restored. %(reason)s", reason=translate(conflict)))
        return redirect(request.referrer or url_for(".recent_changes"))
    db.session.commit()
    if restored is None:
        flash(gettext("Nothing to do: this is how it is now."))
    else:
        flash(gettext("Back to this version: the change is in the history, and can be undone."))
    return redirect(_page_of(revision))


def _atom_entry(told: wording.RevisionInWords, base: str, domain: str) -> atom.Entry:
    revision, item = told.revision, told.item
    return atom.Entry(
        id=f"tag:{domain},2026:revision-{revision.id}",
        title=f"{item.name}: {told.sentence}" if item else told.sentence,
        link=base + (_page_of(revision) if item else url_for(".recent_changes")),
        updated=revision.created_at,
        author=revision.user.display_name if revision.user else gettext("The system"),
        summary=told.as_text() or told.sentence,
    )


def _venue_fields(form: VenueForm) -> operations.VenueFields | None:
    """What the form says, or None (errors on the form) if it does not validate."""
    if not form.validate():
        return None
    try:
        manual = form.manual_coordinates()
    except ValueError as error:
        _coordinates_error(form, error)
        return None
    return operations.VenueFields(
        name=form.name.data or "",
        address=form.address.data or "",
        notes=form.notes.data or "",
        manual=manual,
    )


def _coordinates_error(form: VenueForm, error: ValueError) -> None:
    """Coordinates half-typed or that no place has are the volunteer's to fix: said there."""
    form.latitude.errors = [*form.latitude.errors, translate(error)]


def _geocoder() -> Geocoder:
    return locating.shared_geocoder(locating.settings_from_config(current_app.config))


def _unconfirmed_shifts(venue: Venue, old_zone: str | None) -> list[str]:
    """What this position would shift (far from the city, another time zone), unless the
    volunteer already confirmed it on the page that said so."""
    if request.form.get("confirmed") == "yes":
        return []
    point = None if venue.latitude is None else (venue.latitude, venue.longitude)
    warnings = shifts.position_warnings(
        city_name=city_name(venue.city),
        city_point=(venue.city.latitude, venue.city.longitude),
        point=point,
        old_zone=old_zone,
        new_zone=venue.timezone,
        meetups=len(venue.meetups) if venue.id else 0,
    )
    return [translate(warning) for warning in warnings]


def _preview(venue: Venue) -> dict[str, object]:
    with db.session.no_autoflush:
        return {"duplicates": possible_duplicates(db.session, venue), "checked": venue}


_PAGES = {"m": "pages.meetup", "v": "pages.venue"}
PREVIEW_DATES = 6
SCHEDULE_FIELDS = (
    "pattern",
    "weekdays",
    "interval",
    "week_of_month",
    "month_weekday",
    "start_time",
    "end_time",
    "first_date",
    "end_date",
)
_STATUS_NOW = {
    MeetupStatus.ACTIVE: lazy_gettext("The meetup is now active."),
    MeetupStatus.PAUSED: lazy_gettext("The meetup is now paused."),
    MeetupStatus.ENDED: lazy_gettext("The meetup is now ended."),
}


def _item(kind: str, slug: str, include_deleted: bool = False) -> Meetup | Venue:
    find = queries.meetup if kind == "m" else queries.venue
    return find(slug, include_deleted=include_deleted) or abort(404)


class _FormView:
    """A meetup seen through the form's field names, to prefill the edit page."""

    def __init__(self, meetup: Meetup) -> None:
        rule = meetup.schedule.rule
        self.name, self.description, self.url = meetup.name, meetup.description, meetup.url
        monthly = rule.freq == "MONTHLY"
        self.pattern = "monthly" if monthly else "weeks" if rule.interval > 1 else "weekly"
        self.weekdays = [] if monthly else list(rule.weekdays)
        self.interval = rule.interval if rule.interval > 1 else 2
        self.week_of_month = rule.week_of_month or 1
        self.month_weekday = rule.weekdays[0]
        self.start_time = meetup.start_time
        self.end_time = end_time(meetup.schedule)
        self.first_date, self.end_date = meetup.first_date, meetup.end_date
        self.tags = ", ".join(tag.name for tag in meetup.tags)
        self.languages = meetup.language_list
        self.version = operations.version_token(meetup)


def _fields(form: MeetupForm, timezone: str) -> operations.MeetupFields | None:
    """The form's content as domain values, or None with every error on the form at once:
    the days are checked even when another field is wrong, so a second submit finds no
    new complaint."""
    valid = form.validate()
    try:
        form.rule()
    except ScheduleError as error:
        form.weekdays.errors = [*form.weekdays.errors, translate(error)]
        return None
    if not valid:
        return None
    try:
        schedule = form.schedule(timezone)
    except ScheduleError as error:
        form.weekdays.errors = [*form.weekdays.errors, translate(error)]
        return None
    return operations.MeetupFields(
        name=form.name.data,
        description=form.description.data or "",
        schedule=schedule,
        tags=tuple(form.tag_names()),
        languages=tuple(form.language_codes()),
        url=form.url.data or "",
    )


def _preview_dates(form: MeetupForm, timezone: str) -> list[Occurrence] | None:
    """The next dates the schedule on the form makes, so a volunteer sees them before
    saving, even while another field (the name, say) still needs fixing; None while the
    schedule's own fields are incomplete or wrong."""
    if any(form[name].errors for name in SCHEDULE_FIELDS):
        return None
    try:
        schedule = form.schedule(timezone)
    except (ScheduleError, TypeError):
        # TypeError: a time or date still empty, as a half-typed form sends it.
        return None
    return next_occurrences(schedule, after=datetime.now(UTC), limit=PREVIEW_DATES)


def _edit_page(
    form: MeetupForm,
    meetup: Meetup,
    status: int,
    current: Meetup | None = None,
    with_preview: bool = False,
) -> tuple[str, int]:
    preview = _preview_dates(form, meetup.timezone) if with_preview else None
    page = render_template(
        "edit/meetup.html",
        form=form,
        venue=meetup.venue,
        meetup=meetup,
        current=current,
        preview=preview,
    )
    return page, status


def _other_venue(text: str, meetup: Meetup) -> Venue:
    """The venue a volunteer named for one date: by its name in the meetup's city, or by
    the address of its page on this site; ValueError saying what to type otherwise."""
    typed = text.strip()
    found = queries.venue(typed.rstrip("/").rpartition("/")[2])
    if found is None:
        named = queries.venues_named(meetup.venue.city_id, typed)
        found = named[0] if len(named) == 1 else None
    if found is None:
        raise ValueError(
            gettext(
                "No venue called “%(name)s” in %(city)s: pick one of the list, or add the "
                "venue first.",
                name=typed,
                city=city_name(meetup.venue.city),
            )
        )
    return found


def _date_change(form: DateChangeForm, meetup: Meetup) -> operations.DateChange | None:
    if form.action.data == "restore":
        return None
    if form.action.data == "cancel":
        return operations.DateChange(cancelled=True, note=form.note.data or "")
    venue_id = None
    if form.venue.data:
        venue_id = _other_venue(form.venue.data, meetup).id
    return operations.DateChange(
        new_date=form.new_date.data,
        new_start_time=form.new_start_time.data,
        new_duration_minutes=form.new_length(meetup.start_time),
        venue_id=venue_id,
        note=form.note.data or "",
    )


def _date_or_400(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        abort(400, gettext("“%(text)s” is not a date (YYYY-MM-DD).", text=text[:20]))


def _page_of(revision: Revision) -> str:
    model = Meetup if revision.entity == "meetup" else Venue
    item = db.session.get(model, revision.entity_id, execution_options=WITH_DELETED)
    if item is None:
        return url_for(".recent_changes")
    endpoint = "pages.meetup" if revision.entity == "meetup" else "pages.venue"
    return url_for(endpoint, slug=item.slug)
