"""Where a form may send someone afterwards: only to a path on this site. No Flask.

An open redirect would let a phishing link borrow our sign-in page
("sign in, then off to a look-alike site").
"""

from __future__ import annotations

from urllib.parse import urlsplit


def safe_next(target: str | None) -> str | None:
    """`target` if it is a path on this site ("/fr/paris/?week=2"), else None."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    # Browsers read "/\evil.org" as "//evil.org" and drop tabs and newlines, so "/\t/evil.org" too.
    if any(char == "\\" or char.isspace() or not char.isprintable() for char in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target
