"""Reports from anyone, and the moderators' dashboard that keeps listings true."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext, ngettext
from flask_login import current_user
from werkzeug.wrappers import Response

from meetups import queries
from meetups.editing import duplicates, wording
from meetups.editing.forms import ReportForm, ResolveReportForm
from meetups.extensions import db
from meetups.mail import alerts, outbox
from meetups.models import Report, ReportKind, Revision, User, utcnow
from meetups.moderation import queue
from meetups.web.i18n import translate
from meetups.web.permissions import moderator_required
from meetups.web.rate_limits import limit_reports
from meetups.web.same_origin import same_origin_form

bp = Blueprint("moderation", __name__)


@bp.route("/m/<slug>/report", methods=["GET", "POST"])
@same_origin_form
@limit_reports
def report(slug: str) -> str | Response | tuple[str, int]:
    """Anyone's report, without an account or a cookie: no session token, no flash."""
    meetup = queries.meetup(slug) or abort(404)
    form = ReportForm(meta={"csrf": False})
    if not form.is_submitted():
        return render_template("moderation/report.html", form=form, meetup=meetup)
    if not form.validate():
        if form.website.errors:
            # A robot filled the hidden field: say thanks and keep nothing.
            return redirect(url_for("pages.meetup", slug=slug))
        return render_template("moderation/report.html", form=form, meetup=meetup), 400
    queue.file_report(db.session, meetup, ReportKind(form.kind.data), form.message.data or "")
    alerts.report_filed(db.session, meetup, form.kind.data, form.message.data or "")
    db.session.commit()
    return redirect(url_for("pages.meetup", slug=slug, reported=1))


@bp.get("/moderation/")
@moderator_required
def dashboard() -> str:
    today = datetime.now(UTC).date()
    return render_template(
        "moderation/dashboard.html",
        queue=queue.queue(db.session, today, current_app.config["STALE_AFTER_DAYS"]),
        unreviewed=wording.in_words(queries.unreviewed_revisions()),
        resolve_form=ResolveReportForm(),
        mail=outbox.counts(db.session),
        undelivered=outbox.given_up(db.session, limit=20),
    )


@bp.post("/moderation/reports/<id:report_id>/resolve")
@moderator_required
def resolve(report_id: int) -> Response:
    db.session.get(Report, report_id) or abort(404)
    form = ResolveReportForm()
    if not form.validate():
        abort(400, gettext("The note is too long (500 characters at most)."))
    resolution = form.resolution.data or ""
    if queue.resolve_report(db.session, report_id, current_user, resolution, utcnow()):
        flash(gettext("Report resolved."))
    else:
        flash(gettext("Another moderator resolved this report already."))
    db.session.commit()
    return redirect(url_for(".dashboard"))


@bp.post("/moderation/venues/merge")
@moderator_required
def merge_venues() -> Response:
    """Merge a duplicate venue into the one to keep; each part stays undoable in the history."""
    keep = queries.venue(request.form.get("keep", "")) or abort(404, gettext("No venue to keep."))
    duplicate = queries.venue(request.form.get("duplicate", "")) or abort(
        404, gettext("No such duplicate.")
    )
    if keep.id == duplicate.id:
        abort(400, gettext("A venue cannot be merged into itself."))
    try:
        moved = duplicates.merge(db.session, keep, duplicate, current_user, utcnow())
    except ValueError as error:
        db.session.rollback()
        abort(409, translate(error))
    db.session.commit()
    flash(
        ngettext(
            "Merged %(duplicate)s into %(keep)s: %(num)d meetup moved.",
            "Merged %(duplicate)s into %(keep)s: %(num)d meetups moved.",
            moved,
            duplicate=duplicate.name,
            keep=keep.name,
        )
    )
    return redirect(url_for(".dashboard"))


@bp.post("/moderation/revisions/<id:revision_id>/reviewed")
@moderator_required
def mark_reviewed(revision_id: int) -> Response:
    db.session.get(Revision, revision_id) or abort(404)
    queue.mark_reviewed(db.session, revision_id, current_user, utcnow())
    db.session.commit()
    return redirect(url_for(".dashboard"))


@bp.post("/moderation/users/<id:user_id>/trusted")
@moderator_required
def set_trusted(user_id: int) -> Response:
    """Trust a volunteer to undo anyone's edit and go back to any version, or withdraw it."""
    user = db.session.get(User, user_id) or abort(404)
    user.trusted = request.form.get("trusted") == "yes"
    db.session.commit()
    if user.trusted:
        flash(gettext("%(name)s can now undo anyone's edits.", name=user.display_name))
    else:
        flash(gettext("%(name)s can now undo only their own edits.", name=user.display_name))
    return redirect(url_for(".dashboard"))


@bp.post("/moderation/users/<id:user_id>/reviewed")
@moderator_required
def trust_user(user_id: int) -> Response:
    """A newcomer whose edits look right: later edits skip the queue."""
    user = db.session.get(User, user_id) or abort(404)
    queue.trust_volunteer(db.session, user.id)
    db.session.commit()
    flash(gettext("%(name)s's edits no longer wait for review.", name=user.display_name))
    return redirect(url_for(".dashboard"))
