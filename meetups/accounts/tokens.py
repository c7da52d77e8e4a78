"""Signed links in mail: password reset, address confirmation, unsubscribe, "still
happening?". No Flask.

Each purpose signs with its own salt, so a link made for one cannot be used
for another. A reset link carries a fingerprint of the password hash it was
made for: once the password changes, every earlier link is dead, so a link
works once.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer

RESET_LIFETIME = timedelta(hours=1)
CONFIRM_LIFETIME = timedelta(days=7)
# Watchers have until moderators are asked, and then some, to answer "still happening?".
LISTING_LIFETIME = timedelta(days=60)
# Unsubscribe links stay good for years: old messages must keep working.
UNSUBSCRIBE_LIFETIME = timedelta(days=3650)


def _serializer(secret_key: str, purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=f"meetups-{purpose}")


def _read(secret_key: str, purpose: str, token: str, lifetime: timedelta) -> Any:
    try:
        return _serializer(secret_key, purpose).loads(token, max_age=int(lifetime.total_seconds()))
    except BadSignature:  # expired links included (SignatureExpired is one)
        return None


def password_fingerprint(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


def reset_token(secret_key: str, user_id: int, password_hash: str) -> str:
    return _serializer(secret_key, "reset").dumps([user_id, password_fingerprint(password_hash)])


def read_reset_token(secret_key: str, token: str) -> tuple[int, str] | None:
    """(account id, password fingerprint) of a good, unexpired reset link, else None."""
    found = _read(secret_key, "reset", token, RESET_LIFETIME)
    if not (isinstance(found, list) and len(found) == 2 and isinstance(found[0], int)):
        return None
    return found[0], str(found[1])


def confirm_token(secret_key: str, user_id: int, email: str) -> str:
    return _serializer(secret_key, "confirm").dumps([user_id, email])


def read_confirm_token(secret_key: str, token: str) -> tuple[int, str] | None:
    """(account id, email) of a good, unexpired confirmation link, else None."""
    found = _read(secret_key, "confirm", token, CONFIRM_LIFETIME)
    if not (isinstance(found, list) and len(found) == 2 and isinstance(found[0], int)):
        return None
    return found[0], str(found[1])


def unsubscribe_token(secret_key: str, user_id: int) -> str:
    return _serializer(secret_key, "unsubscribe").dumps(user_id)


def read_unsubscribe_token(secret_key: str, token: str) -> int | None:
    found = _read(secret_key, "unsubscribe", token, UNSUBSCRIBE_LIFETIME)
    return found if isinstance(found, int) else None


def listing_token(secret_key: str, user_id: int, meetup_id: int) -> str:
    return _serializer(secret_key, "still-happening").dumps([user_id, meetup_id])


def read_listing_token(secret_key: str, token: str) -> tuple[int, int] | None:
    """(watcher's account id, meetup id) of a good, unexpired "still happening?" link."""
    found = _read(secret_key, "still-happening", token, LISTING_LIFETIME)
    if not (isinstance(found, list) and len(found) == 2 and all(isinstance(n, int) for n in found)):
        return None
    return found[0], found[1]
