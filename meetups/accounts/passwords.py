"""Password hashing and the rules a new password must meet. No Flask.

Hashes are werkzeug's scrypt (salted and memory-hard), so a stolen database
does not give the passwords away cheaply.
"""

from __future__ import annotations

import secrets
from functools import cache
from pathlib import Path

from werkzeug.security import check_password_hash, generate_password_hash

from meetups.texts import N_

COMMON_PASSWORDS = Path(__file__).resolve().parent / "data" / "common_passwords.txt"
MIN_LENGTH = 10
# Long passphrases are welcome; megabytes are not worth hashing.
MAX_LENGTH = 1000


def hash_password(password: str) -> str:
    return generate_password_hash(password)


def password_matches(password_hash: str, password: str) -> bool:
    return check_password_hash(password_hash, password)


def spend_a_check(password: str) -> None:
    """Check against a throwaway hash, so refusing an unknown email takes as long as a known one."""
    check_password_hash(_throwaway_hash(), password)


@cache
def _throwaway_hash() -> str:
    return generate_password_hash(secrets.token_hex(16))


def password_problem(password: str, *, email: str, display_name: str) -> str | None:
    """Why a new password would be too easy to guess, or None when it will do."""
    if len(password) < MIN_LENGTH:
        return N_("Use at least %(count)d characters.", count=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return N_("Use at most %(count)d characters.", count=MAX_LENGTH)
    if password.strip().casefold() in {email.strip().casefold(), display_name.strip().casefold()}:
        return N_("Do not use your email address or your name as your password.")
    if password.strip().casefold() in common_passwords():
        return N_(
            "This password is one of the most common ones, the first that attackers try. "
            "Choose another: a few unrelated words make a good one."
        )
    return None


@cache
def common_passwords() -> frozenset[str]:
    """Passwords long enough for our rules but among the most used (see the file's head)."""
    lines = COMMON_PASSWORDS.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))
