"""Volunteer accounts: sign up, sign in and out, the account page, and who may do what.

Visitors never need an account; these pages are only for people who edit.
Other blueprints guard their views with `login_required` (Flask-Login) or
`moderator_required` (meetups.web.permissions).
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from meetups.accounts import messages, passwords, tokens, volunteers
from meetups.accounts.forms import (
    AddressForm,
    ButtonForm,
    ChangePasswordForm,
    MailSettingsForm,
    ResetPasswordForm,
    SignInForm,
    SignUpForm,
)
from meetups.extensions import csrf, db, login_manager
from meetups.freshness import watching
from meetups.models import AlertFrequency, User, Watch, utcnow
from meetups.redirects import safe_next
from meetups.web import i18n
from meetups.web.permissions import moderator_required
from meetups.web.rate_limits import (
    limit_mail_per_address,
    limit_mail_per_visitor,
    limit_password_change,
    limit_sign_in,
    limit_sign_up,
)

bp = Blueprint("accounts", __name__, url_prefix="/account")

# The same words for an unknown email, a wrong password and a locked account.
SIGN_IN_REFUSED = _l(
    "Wrong email or password. After 5 wrong tries in a row, an account is locked for 15 minutes."
)
NOT_CONFIRMED = _l(
    "Confirm your email address first, with the link we sent you. No message? Ask for a new link."
)


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "accounts.sign_in"
    login_manager.login_message = _l("Please sign in to continue.")
    # Flashed in the visitor's language; the session keeps plain text.
    login_manager.localize_callback = str
    login_manager.user_loader(_load_user)
    app.before_request(_load_user_afresh)
    app.register_blueprint(bp)
    app.register_error_handler(CSRFError, _form_expired)


@bp.route("/sign-up", methods=["GET", "POST"])
@limit_sign_up
@limit_mail_per_address
@limit_mail_per_visitor
def sign_up() -> str | Response | tuple[str, int]:
    """The answer is "check your email" whether or not the address has an account: a new
    account is confirmed (and signed in) from the link sent; an existing one's owner is told."""
    form = SignUpForm(next=request.args.get("next"))
    if not form.validate_on_submit():
        return _form_page("account/sign_up.html", form=form)
    existing = volunteers.find_account(db.session, form.email.data)
    if existing is not None:
        # As long as hashing a new account's password takes: the timing tells nothing either.
        passwords.spend_a_check(form.password.data)
        messages.send_account_exists(db.session, existing)
        db.session.commit()
        return _check_your_email()
    user = volunteers.create_account(
        db.session,
        email=form.email.data,
        display_name=form.display_name.data,
        password=form.password.data,
        language=i18n.language(),
    )
    db.session.flush()
    messages.send_confirmation(db.session, user, safe_next(form.next.data))
    try:
        db.session.commit()
    except IntegrityError:
        # The same address signed up at the same moment: that sign-up's link is on its way.
        db.session.rollback()
    return _check_your_email()


@bp.get("/check-your-email")
def check_email() -> str:
    return render_template("account/check_email.html")


@bp.route("/confirm", methods=["GET", "POST"])
@limit_mail_per_address
@limit_mail_per_visitor
def resend_confirmation() -> str | Response | tuple[str, int]:
    form = AddressForm()
    if not form.validate_on_submit():
        return _form_page("account/resend_confirmation.html", form=form)
    user = volunteers.find_account(db.session, form.email.data)
    if user is not None and user.email_confirmed_at is None:
        messages.send_confirmation(db.session, user)
        db.session.commit()
    return _check_your_email()


@bp.route("/confirm/<token>", methods=["GET", "POST"])
def confirm(token: str) -> str | Response | tuple[str, int]:
    """The link in the confirmation message opens a page whose button confirms: a mail
    scanner that opens links changes nothing and signs nobody in."""
    found = tokens.read_confirm_token(current_app.config["SECRET_KEY"], token)
    user = db.session.get(User, found[0]) if found else None
    # Once the address is confirmed, the link stops working: it must not be a way in.
    if user is None or user.email != found[1] or user.email_confirmed_at is not None:
        return _dead_link(
            gettext("This confirmation link is not valid any more."), ".resend_confirmation"
        )
    form = ButtonForm()
    if not form.validate_on_submit():
        return render_template("account/confirm.html", form=form, user=user)
    volunteers.confirm_email(user, utcnow())
    db.session.commit()
    login_user(user)
    flash(gettext("Welcome, %(name)s! You can now add and edit meetups.", name=user.display_name))
    # A new volunteer most often came to add their meetup: the guided way to it, unless
    # they were on their way to a page of their own choosing (the home page is no choice).
    going = request.args.get("next")
    return _go_on(going if going not in (None, "", "/") else url_for("editing.add_meetup"))


@bp.route("/forgot-password", methods=["GET", "POST"])
@limit_mail_per_address
@limit_mail_per_visitor
def forgot_password() -> str | Response | tuple[str, int]:
    """The same answer whether or not the address has an account."""
    form = AddressForm()
    if not form.validate_on_submit():
        return _form_page("account/forgot_password.html", form=form)
    user = volunteers.find_account(db.session, form.email.data)
    if user is not None:
        messages.send_password_reset(db.session, user)
        db.session.commit()
    return _check_your_email()


@bp.route("/reset/<token>", methods=["GET", "POST"])
@limit_password_change
def reset_password(token: str) -> str | Response | tuple[str, int]:
    found = tokens.read_reset_token(current_app.config["SECRET_KEY"], token)
    user = volunteers.account_for_reset(db.session, *found) if found else None
    if user is None:
        db.session.rollback()
        return _dead_link(gettext("This link has expired or was already used."), ".forgot_password")
    form = ResetPasswordForm(user)
    if not form.validate_on_submit():
        db.session.rollback()
        return _form_page("account/reset_password.html", form=form)
    volunteers.set_password(user, form.new_password.data)
    # The link arrived at the address: that proves it as well as a confirmation would.
    volunteers.confirm_email(user, utcnow())
    db.session.commit()
    login_user(user)
    flash(gettext("Your password is changed. Every other session is signed out."))
    return redirect(url_for(".account"), 303)


@bp.route("/sign-in", methods=["GET", "POST"])
@limit_sign_in
def sign_in() -> str | Response | tuple[str, int]:
    form = SignInForm(next=request.args.get("next"))
    if form.validate_on_submit():
        user = volunteers.sign_in(db.session, form.email.data, form.password.data, now=utcnow())
        db.session.commit()
        if user is not None and user.email_confirmed_at is None:
            form.form_errors.append(str(NOT_CONFIRMED))
        elif user is not None:
            login_user(user, remember=form.remember.data)
            return _go_on(form.next.data)
        else:
            form.form_errors.append(str(SIGN_IN_REFUSED))
    return _form_page("account/sign_in.html", form=form)


@bp.post("/sign-out")
def sign_out() -> Response:
    """Signing out ends every session of the account, so a copied cookie is worth nothing."""
    if current_user.is_authenticated:
        volunteers.end_sessions(_me())
        db.session.commit()
    logout_user()
    flash(gettext("You are signed out."))
    return redirect(url_for("pages.index"), 303)


@bp.post("/sign-out-elsewhere")
@login_required
def sign_out_elsewhere() -> Response:
    """Every other browser and device signed in to this account is signed out."""
    _start_new_session()
    db.session.commit()
    flash(gettext("Every other session is signed out."))
    return redirect(url_for(".account"), 303)


@bp.post("/<int:user_id>/end-sessions")
@moderator_required
def end_sessions(user_id: int) -> Response:
    """A moderator signs a volunteer out everywhere (a shared laptop, a stolen phone)."""
    user = db.session.get(User, user_id) or abort(404)
    volunteers.end_sessions(user)
    db.session.commit()
    flash(gettext("%(name)s is signed out everywhere.", name=user.display_name))
    return redirect(safe_next(request.form.get("next")) or url_for("moderation.dashboard"), 303)


@bp.get("/")
@login_required
def account() -> str:
    return _account_page(ChangePasswordForm(_me()), _mail_settings_form())


def _account_page(form: ChangePasswordForm, mail_form: MailSettingsForm) -> str:
    return render_template(
        "account/account.html",
        form=form,
        mail_form=mail_form,
        watches=watching.watched_by(db.session, _me()),
    )


def _mail_settings_form(**kwargs: Any) -> MailSettingsForm:
    me = _me()
    # Filled from the account, never from a post of the other form on the page.
    return MailSettingsForm(
        formdata=None,
        alerts=me.alerts.value,
        language=me.language,
        watch_own_edits=me.watch_own_edits,
        **kwargs,
    )


@bp.post("/mail-settings")
@login_required
def mail_settings() -> Response | tuple[str, int]:
    form = MailSettingsForm()
    if not form.validate_on_submit():
        return _account_page(ChangePasswordForm(_me(), formdata=None), form), 400
    volunteers.set_mail_settings(
        _me(), AlertFrequency(form.alerts.data), form.language.data, form.watch_own_edits.data
    )
    db.session.commit()
    flash(gettext("Your mail settings are saved."))
    return redirect(url_for(".account", _anchor="mail"), 303)


@bp.post("/watching/<int:watch_id>/stop")
@login_required
def stop_watching(watch_id: int) -> Response:
    """The "Stop watching" buttons of the list on the account page."""
    watch = db.session.get(Watch, watch_id)
    if watch is None or watch.user_id != _me().id:
        abort(404)
    name = watching.watched_name(watch, i18n.city_name)
    watching.stop(db.session, _me(), watch_id)
    db.session.commit()
    flash(gettext("You no longer watch %(meetup)s.", meetup=name))
    return redirect(url_for(".account", _anchor="watching"), 303)


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt
def unsubscribe(token: str) -> str | tuple[str, int]:
    """The link in every alert, and its List-Unsubscribe header. The POST needs no CSRF
    token (mail programs send it in one click, RFC 8058): the signed link is the proof."""
    user_id = tokens.read_unsubscribe_token(current_app.config["SECRET_KEY"], token)
    user = db.session.get(User, user_id) if user_id is not None else None
    if user is None:
        abort(404, gettext("This unsubscribe link is not valid."))
    if request.method == "POST":
        volunteers.set_mail_settings(
            user, AlertFrequency.NEVER, user.language, user.watch_own_edits
        )
        db.session.commit()
    return render_template("account/unsubscribe.html", user=user, done=request.method == "POST")


@bp.post("/password")
@login_required
@limit_password_change
def change_password() -> Response | tuple[str, int]:
    form = ChangePasswordForm(_me())
    if not form.validate_on_submit():
        return _account_page(form, _mail_settings_form()), 400
    volunteers.set_password(_me(), form.new_password.data)
    _start_new_session()
    db.session.commit()
    flash(gettext("Your password is changed. Every other session is signed out."))
    return redirect(url_for(".account"), 303)


def _start_new_session() -> None:
    """End every session of this account but this one, which goes on with the new token
    (remembered again if it was remembered)."""
    user = _me()
    volunteers.end_sessions(user)
    remembered = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    login_user(user, remember=remembered in request.cookies)


def _check_your_email() -> Response:
    return redirect(url_for(".check_email"), 303)


def _dead_link(message: str, ask_again: str) -> tuple[str, int]:
    return render_template("account/dead_link.html", message=message, ask_again=ask_again), 400


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


def _load_user_afresh() -> None:
    """Each request checks its cookie against the account's token again. Requests under one
    application context (as in tests, or code that pushes one) would otherwise share the
    user that Flask-Login keeps in `g`."""
    g.pop("_login_user", None)


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
