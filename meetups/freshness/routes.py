"""The "Yes, still happening" link of the question watchers get; no sign-in needed.

The link opens a page whose button confirms, so mail scanners that open links
change nothing. "Something changed" goes to the edit form instead.
"""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, current_app, render_template, request
from flask_babel import gettext

from meetups.accounts import tokens
from meetups.accounts.forms import ButtonForm
from meetups.editing import operations
from meetups.extensions import db
from meetups.models import Meetup, User
from meetups.schedule import time_zone

bp = Blueprint("freshness", __name__)


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
