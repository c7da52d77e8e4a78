"""Volunteer accounts: creating them, signing in with a lockout, passwords, roles. No Flask.

Every refusal to sign in looks the same and takes about as long, whether the
email is unknown, the password wrong or the account locked, so that nobody
learns from the sign-in form which accounts exist.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from meetups.accounts import passwords, tokens
from meetups.models import AlertFrequency, Role, User, new_session_token, utcnow

MAX_FAILED_SIGN_INS = 5
LOCKOUT = timedelta(minutes=15)
# Enough to catch typos; only a message that arrives proves an address (see `confirm_email`).
_PLAUSIBLE_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")


class EmailTaken(Exception):
    """An account with this email already exists (emails are compared lower-cased)."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def plausible_email(email: str) -> bool:
    return len(email) <= 254 and _PLAUSIBLE_EMAIL.fullmatch(email) is not None


def find_account(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalise_email(email)))


def create_account(
    session: Session,
    *,
    email: str,
    display_name: str,
    password: str,
    role: Role = Role.VOLUNTEER,
    language: str = "en",
) -> User:
    """Add an account, whose mail is in `language`; raises EmailTaken. The caller commits
    (and may still meet a concurrent sign-up as an IntegrityError)."""
    if find_account(session, email) is not None:
        raise EmailTaken(normalise_email(email))
    user = User(
        email=normalise_email(email),
        display_name=display_name.strip(),
        password_hash=passwords.hash_password(password),
        role=role,
        language=language,
        reviewed=role == Role.MODERATOR,
        failed_sign_ins=0,
        # A moderator is made on the server, by someone who knows the address.
        email_confirmed_at=utcnow() if role == Role.MODERATOR else None,
    )
    session.add(user)
    return user


def sign_in(session: Session, email: str, password: str, now: datetime) -> User | None:
    """The account these credentials open, or None; five failures in a row lock it for
    15 minutes. The row is locked until the caller commits, so parallel guesses count."""
    user = session.scalar(
        select(User).where(User.email == normalise_email(email)).with_for_update()
    )
    if user is None or is_locked(user, now):
        passwords.spend_a_check(password)
        return None
    if not passwords.password_matches(user.password_hash, password):
        _count_failure(user, now)
        return None
    user.failed_sign_ins = 0
    user.locked_until = None
    user.last_sign_in_at = now
    return user


def is_locked(user: User, now: datetime) -> bool:
    return user.locked_until is not None and user.locked_until > now


def _count_failure(user: User, now: datetime) -> None:
    user.failed_sign_ins = (user.failed_sign_ins or 0) + 1
    if user.failed_sign_ins >= MAX_FAILED_SIGN_INS:
        user.failed_sign_ins = 0
        user.locked_until = now + LOCKOUT


def set_password(user: User, password: str) -> None:
    """A new password also lifts a lockout (how a moderator lets someone back in) and ends
    every session: whoever knew the old one is signed out everywhere."""
    user.password_hash = passwords.hash_password(password)
    user.failed_sign_ins = 0
    user.locked_until = None
    end_sessions(user)


def end_sessions(user: User) -> None:
    """Every session and remember-me cookie of this account stops working at once."""
    user.session_token = new_session_token()


def set_mail_settings(
    user: User, alerts: AlertFrequency, language: str, watch_own_edits: bool
) -> None:
    user.alerts = alerts
    user.language = language
    user.watch_own_edits = watch_own_edits


def confirm_email(user: User, now: datetime) -> None:
    if user.email_confirmed_at is None:
        user.email_confirmed_at = now


def account_for_reset(session: Session, user_id: int, fingerprint: str) -> User | None:
    """The account a reset link was made for, while its password is still the one it was made
    for: a link stops working once used, or once the password changed otherwise."""
    user = session.scalar(select(User).where(User.id == user_id).with_for_update())
    if user is None or fingerprint != tokens.password_fingerprint(user.password_hash):
        return None
    return user


def make_moderator(user: User) -> None:
    user.role = Role.MODERATOR
    user.reviewed = True
