"""Watching a meetup, and the "Yes, still happening" link of the question watchers get
(no sign-in needed).

The link opens a page whose button confirms, so mail scanners that open links
change nothing. "Something changed" goes to the edit form instead.
"""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from meetups import queries
from meetups.accounts import tokens
from meetups.accounts.forms import ButtonForm
from meetups.editing import operations
from meetups.extensions import db
from meetups.freshness import asking
from meetups.models import Meetup, User
from meetups.schedule import time_zone

bp = Blueprint("freshness", __name__)


@bp.app_template_global()
def watching(meetup: Meetup) -> bool:
    """Whether the signed-in volunteer watches this meetup (for its page's button)."""
    return current_user.is_authenticated and asking.is_watching(
        db.session, current_user._get_current_object(), meetup
    )


@bp.post("/m/<slug>/watch")
@login_required
def watch(slug: str) -> Response:
    """Follow a meetup: told when it changes, is reported or deleted, and asked whether it
    still happens."""
    meetup = _posted_for(slug)
    asking.watch(db.session, current_user._get_current_object(), meetup)
    db.session.commit()
    flash(gettext("You watch %(meetup)s now.", meetup=meetup.name))
    return redirect(url_for("pages.meetup", slug=slug), 303)


@bp.post("/m/<slug>/unwatch")
@login_required
def unwatch(slug: str) -> Response:
    meetup = _posted_for(slug)
    asking.unwatch(db.session, current_user._get_current_object(), meetup)
    db.session.commit()
    flash(gettext("You no longer watch %(meetup)s.", meetup=meetup.name))
    return redirect(url_for("pages.meetup", slug=slug), 303)


def _posted_for(slug: str) -> Meetup:
    """The meetup a watch button was pressed for (CSRFProtect checked the post's token)."""
    return queries.meetup(slug) or abort(404)


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
