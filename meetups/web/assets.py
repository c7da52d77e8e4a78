"""Static files under names that change with their content, kept by browsers for a year.

`url_for("static", filename="style.css")` gives `/static/style.0123456789ab.css`,
the hash being of the file's bytes, so templates need no change and a page
never links a stale stylesheet: a new deploy links new names. Those names are
served `immutable` for a year, and nobody asks again; the plain name still
works, revalidated each time as before (`no-cache`, with an ETag). A name whose
hash is not the file's (a page from before a deploy) gets today's file, also
revalidated, rather than a 404.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import re
import threading
from stat import S_ISREG
from typing import Any

from flask import Flask, current_app, send_from_directory
from werkzeug.security import safe_join
from werkzeug.wrappers import Response

YEAR = 365 * 24 * 3600
HASH_LENGTH = 12
FINGERPRINTED = re.compile(rf"^(?P<stem>.+)\.(?P<hash>[0-9a-f]{{{HASH_LENGTH}}})(?P<suffix>\.\w+)$")

_hashes: dict[str, tuple[int, int, str]] = {}
_lock = threading.Lock()


def init_app(app: Flask) -> None:
    app.url_defaults(_fingerprint_static_urls)
    app.view_functions["static"] = serve_static


def fingerprinted(folder: str, filename: str) -> str:
    """`style.css` as `style.<hash of its bytes>.css`; a name that is no file (or has no
    suffix), as it is."""
    stem, suffix = posixpath.splitext(filename)
    digest = content_hash(folder, filename) if suffix else None
    return f"{stem}.{digest}{suffix}" if digest else filename


def content_hash(folder: str, filename: str) -> str | None:
    """The start of the file's SHA-256, read again only when its size or time changes."""
    path = safe_join(folder, filename)
    if path is None:
        return None
    try:
        # One stat: a page links some ten files, and `os.path.isfile` would stat each again.
        stat = os.stat(path)
    except OSError:
        return None
    if not S_ISREG(stat.st_mode):
        return None
    with _lock:
        known = _hashes.get(path)
    if known and known[:2] == (stat.st_mtime_ns, stat.st_size):
        return known[2]
    with open(path, "rb") as file:
        digest = hashlib.sha256(file.read()).hexdigest()[:HASH_LENGTH]
    with _lock:
        _hashes[path] = (stat.st_mtime_ns, stat.st_size, digest)
    return digest


def serve_static(filename: str) -> Response:
    """A fingerprinted name for a year, anything else as Flask serves it (revalidated)."""
    folder = current_app.static_folder or ""
    match = FINGERPRINTED.match(filename)
    if match is None or content_hash(folder, filename) is not None:
        return current_app.send_static_file(filename)
    plain = match["stem"] + match["suffix"]
    if content_hash(folder, plain) != match["hash"]:
        return current_app.send_static_file(plain)
    response = send_from_directory(folder, plain, max_age=YEAR)
    response.cache_control.public = True
    response.cache_control.immutable = True
    return response


def _fingerprint_static_urls(endpoint: str, values: dict[str, Any]) -> None:
    """`url_for("static", filename=…, stable=True)`: the plain name, for other sites to keep."""
    if endpoint == "static" and "filename" in values and not values.pop("stable", False):
        values["filename"] = fingerprinted(current_app.static_folder or "", values["filename"])
