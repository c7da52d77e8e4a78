"""The mail accounts send: confirm an address, reset a password, "you already have one".

Each is queued in the outbox in the caller's transaction, in the account's language.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from meetups.accounts import tokens
from meetups.mail.compose import link, queue_message
from meetups.models import User


def send_confirmation(session: Session, user: User, next_path: str | None = None) -> None:
    token = tokens.confirm_token(current_app.config["SECRET_KEY"], user.id, user.email)
    queue_message(
        session,
        to=user.email,
        language=user.language,
        template="confirm",
        subject=_l("Confirm your email address"),
        name=user.display_name,
        url=link("accounts.confirm", user.language, token=token, next=next_path or None),
    )


def send_password_reset(session: Session, user: User) -> None:
    token = tokens.reset_token(current_app.config["SECRET_KEY"], user.id, user.password_hash)
    queue_message(
        session,
        to=user.email,
        language=user.language,
        template="reset",
        subject=_l("Reset your password"),
        url=link("accounts.reset_password", user.language, token=token),
    )


def send_account_exists(session: Session, user: User) -> None:
    """Someone signed up with an address that has an account: its owner is told, and the
    sign-up form says only "check your email", so it tells nobody which addresses have one."""
    queue_message(
        session,
        to=user.email,
        language=user.language,
        template="account_exists",
        subject=_l("You already have an account"),
        sign_in_url=link("accounts.sign_in", user.language),
        reset_url=link("accounts.forgot_password", user.language),
    )
