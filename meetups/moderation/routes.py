"""Reports from anyone, and the moderators' dashboard that keeps listings true."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

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
from sqlalchemy import select
from werkzeug.wrappers import Response

from meetups import queries
from meetups.accounts.routes import moderator_required
from meetups.editing import duplicates, wording
from meetups.editing.forms import ReportForm, ResolveReportForm
from meetups.extensions import db
from meetups.models import (
    Meetup,
    MeetupStatus,
    Report,
    ReportKind,
    Revision,
    Role,
    User,
    utcnow,
)
from meetups.web.rate_limits import limit_reports

bp = Blueprint("moderation", __name__)


@bp.route("/m/<slug>/report", methods=["GET", "POST"])
@limit_reports
def report(slug: str) -> str | Response | tuple[str, int]:
    meetup = queries.meetup(slug) or abort(404)
    form = ReportForm()
    if not form.is_submitted():
        return render_template("moderation/report.html", form=form, meetup=meetup)
    if not form.validate():
        if form.website.errors:
            # A robot filled the hidden field: say thanks and keep nothing.
            return redirect(url_for("pages.meetup", slug=slug))
        return render_template("moderation/report.html", form=form, meetup=meetup), 400
    db.session.add(
        Report(meetup=meetup, kind=ReportKind(form.kind.data), message=form.message.data or "")
    )
    db.session.commit()
    flash(gettext("Thank you: a volunteer will check this listing."))
    return redirect(url_for("pages.meetup", slug=slug))


@bp.get("/moderation/")
@moderator_required
def dashboard() -> str:
    stale_before = datetime.now(UTC).date() - timedelta(days=current_app.config["STALE_AFTER_DAYS"])
    return render_template(
        "moderation/dashboard.html",
        reports=db.session.scalars(
            # The join hides reports on deleted meetups until someone restores them.
            select(Report)
            .join(Report.meetup)
            .where(Report.resolved_at.is_(None))
            .order_by(Report.id)
        ).all(),
        unreviewed=wording.in_words(queries.unreviewed_revisions()),
        newcomers=db.session.scalars(
            select(User).where(User.reviewed.is_(False)).order_by(User.id)
        ).all(),
        volunteers=db.session.scalars(
            select(User).where(User.role != Role.MODERATOR).order_by(User.display_name, User.id)
        ).all(),
        duplicates=duplicates.duplicate_pairs(db.session),
        stale=db.session.scalars(
            select(Meetup)
            .where(Meetup.status == MeetupStatus.ACTIVE)
            .where((Meetup.last_confirmed < stale_before) | Meetup.last_confirmed.is_(None))
            .order_by(Meetup.last_confirmed.is_(None).desc(), Meetup.last_confirmed)
            .limit(200)
        ).all(),
        resolve_form=ResolveReportForm(),
    )


@bp.post("/moderation/reports/<id:report_id>/resolve")
@moderator_required
def resolve(report_id: int) -> Response:
    found = db.session.get(Report, report_id) or abort(404)
    form = ResolveReportForm()
    if not form.validate():
        abort(400, gettext("The note is too long (500 characters at most)."))
    found.resolved_at = datetime.now(UTC)
    found.resolved_by_id = current_user.id
    found.resolution = form.resolution.data or ""
    db.session.commit()
    flash(gettext("Report resolved."))
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
    moved = duplicates.merge(db.session, keep, duplicate, current_user, utcnow())
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
    revision = db.session.get(Revision, revision_id) or abort(404)
    revision.reviewed_at = datetime.now(UTC)
    revision.reviewed_by_id = current_user.id
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
    user.reviewed = True
    db.session.commit()
    flash(gettext("%(name)s's edits no longer wait for review.", name=user.display_name))
    return redirect(url_for(".dashboard"))
