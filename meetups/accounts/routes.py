"""Volunteer accounts: sign up, sign in and out, the account page, and who may do what.

Visitors never need an account; these pages are only for people who edit.
Other blueprints guard their views with `login_required` (Flask-Login) or
`moderator_required` (below).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Blueprint, Flask, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from meetups.accounts import volunteers
from meetups.accounts.forms import ChangePasswordForm, SignInForm, SignUpForm
from meetups.extensions import db, login_manager
from meetups.models import User, utcnow
from meetups.redirects import safe_next
from meetups.web import i18n
from meetups.web.rate_limits import limit_password_change, limit_sign_in, limit_sign_up

bp = Blueprint("accounts", __name__, url_prefix="/account")

# The same words for an unknown email, a wrong password and a locked account.
SIGN_IN_REFUSED = _l(
    "Wrong email or password. After 5 wrong tries in a row, an account is locked for 15 minutes."
)
EMAIL_TAKEN = _l(
    "An account with this email already exists. Sign in instead; if you forgot its "
    "password, a moderator can reset it."
)


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "accounts.sign_in"
    login_manager.login_message = _l("Please sign in to continue.")
    # Flashed in the visitor's language; the session keeps plain text.
    login_manager.localize_callback = str
    login_manager.user_loader(_load_user)
    app.register_blueprint(bp)
    app.register_error_handler(CSRFError, _form_expired)


def moderator_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Moderators only: anonymous visitors are sent to sign in, volunteers get 403."""

    @wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_moderator:
            abort(403, gettext("Only moderators can do this."))
        return view(*args, **kwargs)

    return login_required(guarded)


@bp.route("/sign-up", methods=["GET", "POST"])
@limit_sign_up
def sign_up() -> str | Response | tuple[str, int]:
    form = SignUpForm(next=request.args.get("next"))
    if form.validate_on_submit():
        try:
            user = volunteers.create_account(
                db.session,
                email=form.email.data,
                display_name=form.display_name.data,
                password=form.password.data,
            )
            db.session.commit()
        except (volunteers.EmailTaken, IntegrityError):
            db.session.rollback()
            form.email.errors.append(str(EMAIL_TAKEN))
        else:
            login_user(user)
            flash(
                gettext(
                    "Welcome, %(name)s! You can now add and edit meetups.", name=user.display_name
                )
            )
            return _go_on(form.next.data)
    return _form_page("account/sign_up.html", form=form)


@bp.route("/sign-in", methods=["GET", "POST"])
@limit_sign_in
def sign_in() -> str | Response | tuple[str, int]:
    form = SignInForm(next=request.args.get("next"))
    if form.validate_on_submit():
        user = volunteers.sign_in(db.session, form.email.data, form.password.data, now=utcnow())
        db.session.commit()
        if user is not None:
            login_user(user, remember=form.remember.data)
            return _go_on(form.next.data)
        form.form_errors.append(str(SIGN_IN_REFUSED))
    return _form_page("account/sign_in.html", form=form)


@bp.post("/sign-out")
def sign_out() -> Response:
    logout_user()
    flash(gettext("You are signed out."))
    return redirect(url_for("pages.index"), 303)


@bp.get("/")
@login_required
def account() -> str:
    return render_template("account/account.html", form=ChangePasswordForm(_me()))


@bp.post("/password")
@login_required
@limit_password_change
def change_password() -> Response | tuple[str, int]:
    form = ChangePasswordForm(_me())
    if not form.validate_on_submit():
        return _form_page("account/account.html", form=form)
    volunteers.set_password(_me(), form.new_password.data)
    db.session.commit()
    flash(gettext("Your password is changed."))
    return redirect(url_for(".account"), 303)


def _me() -> User:
    return current_user._get_current_object()


def _go_on(next_path: str | None) -> Response:
    """After signing in or up: back where the volunteer was going, if that is on this site,
    in the language they chose."""
    target = safe_next(next_path)
    return redirect(i18n.in_chosen_language(target) if target else url_for(".account"), 303)


def _form_page(template: str, **context: Any) -> tuple[str, int]:
    """A form page: 200 when shown, 400 when a post comes back with errors."""
    return render_template(template, **context), 400 if request.method == "POST" else 200


def _load_user(session_id: str) -> User | None:
    """The account of a session or remember-me cookie, while its token is still the account's."""
    user_id, _, token = session_id.partition(".")
    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    if user is None or not token or not secrets.compare_digest(token, user.session_token):
        return None
    return user


def _form_expired(error: CSRFError) -> tuple[str, int]:
    """A form left open for hours, or posted from another site: say how to recover."""
    error.description = gettext(
        "This form has expired or did not come from this site, so nothing was changed. "
        "Go back, reload the page and send it again."
    )
    return render_template("error.html", error=error, code=400), 400
