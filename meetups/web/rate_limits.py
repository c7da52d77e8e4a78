"""Rate limits on what abusers repeat: sign-ups, sign-ins, password changes, edits, reports,
and forms that send mail.

Each limit is read from the app's configuration (`RATELIMIT_*`) at request time,
so every app, and every test, sets its own. Apply them as decorators under the
route, e.g. `@bp.post("/m/<slug>/report")` then `@limit_reports`; only POSTs count.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app, render_template, request
from flask.wrappers import Response
from flask_babel import gettext
from flask_limiter import RateLimitExceeded
from flask_limiter.util import get_remote_address
from flask_login import current_user
from limits import parse_many

from meetups.config import ConfigError
from meetups.extensions import limiter

_READS = frozenset({"GET", "HEAD", "OPTIONS"})
LIMIT_SETTINGS = (
    "RATELIMIT_SIGN_IN",
    "RATELIMIT_SIGN_UP",
    "RATELIMIT_PASSWORD_CHANGE",
    "RATELIMIT_EDITS",
    "RATELIMIT_REPORTS",
    "RATELIMIT_MAIL_PER_ADDRESS",
    "RATELIMIT_MAIL_PER_VISITOR",
)


def init_app(app: Flask) -> None:
    """Refuse a malformed limit at start-up rather than answer 500 at the first sign-in."""
    for setting in LIMIT_SETTINGS:
        try:
            parse_many(app.config[setting])
        except ValueError:
            raise ConfigError(
                f"MEETUPS_{setting} must be limits like '5 per minute;30 per hour', "
                f"not {app.config[setting]!r}."
            ) from None
    limiter.init_app(app)
    app.register_error_handler(RateLimitExceeded, _too_many_requests)


def _setting(name: str) -> Callable[[], str]:
    return lambda: current_app.config[name]


def _refused(response: Response) -> bool:
    """Only refused attempts count against guessing limits: someone who gets in is not guessing."""
    return response.status_code == 400


def _account_or_address() -> str:
    """Edits count per volunteer, so colleagues behind one address do not share a limit."""
    if current_user.is_authenticated:
        return f"account-{current_user.id}"
    return get_remote_address()


limit_sign_in = limiter.limit(_setting("RATELIMIT_SIGN_IN"), methods=["POST"], deduct_when=_refused)
limit_password_change = limiter.limit(
    _setting("RATELIMIT_PASSWORD_CHANGE"), methods=["POST"], deduct_when=_refused
)
limit_sign_up = limiter.limit(_setting("RATELIMIT_SIGN_UP"), methods=["POST"])
# Shared: every edit and every report view draws on one allowance each.
limit_edits = limiter.shared_limit(
    _setting("RATELIMIT_EDITS"), scope="edits", key_func=_account_or_address, methods=["POST"]
)
# Previews of a schedule's dates, asked for as a volunteer types: more than edits, not unlimited.
limit_previews = limiter.shared_limit(
    _setting("RATELIMIT_PREVIEWS"), scope="previews", key_func=_account_or_address, methods=["POST"]
)
limit_reports = limiter.shared_limit(
    _setting("RATELIMIT_REPORTS"), scope="reports", methods=["POST"]
)


def _email_asked_for() -> str:
    """Mail asked for one address counts against it, whoever asks and whether or not it has
    an account (so the limit tells nothing about which addresses do)."""
    return "to:" + request.form.get("email", "").strip().lower()


# Forms that send mail (reset, confirmation, sign-up) share both allowances.
limit_mail_per_address = limiter.shared_limit(
    _setting("RATELIMIT_MAIL_PER_ADDRESS"),
    scope="mail-per-address",
    key_func=_email_asked_for,
    methods=["POST"],
)
limit_mail_per_visitor = limiter.shared_limit(
    _setting("RATELIMIT_MAIL_PER_VISITOR"), scope="mail-per-visitor", methods=["POST"]
)


@limiter.request_filter
def _reading() -> bool:
    """Our limits count POSTs only: reads (feed polls above all) skip the limiter's work,
    unless site-wide limits are set (RATELIMIT_DEFAULT or RATELIMIT_APPLICATION)."""
    if request.method not in _READS:
        return False
    manager = limiter.limit_manager
    return not manager.default_limits and not manager.application_limits


def _too_many_requests(error: RateLimitExceeded) -> tuple[str, int]:
    """Say what happened and that waiting is the fix; the Retry-After header says how long."""
    error.description = gettext(
        "This was tried too often from here in a short time (the limit is %(limit)s). "
        "Nothing was changed. Please wait a while, then try again.",
        limit=error.description,
    )
    return render_template("error.html", error=error, code=429), 429
