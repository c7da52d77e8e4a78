"""What browsers, reverse proxies and CDNs may keep, and how they ask whether it changed.

A public page is the same for every visitor without a cookie, so any HTTP cache
may keep it: it gets a strong `ETag` and a `Last-Modified` derived from what it
shows (the page's address and language, the data version, the time bucket that
moves "next dates" on, and the code, templates and settings that render it), and
`Cache-Control: public, max-age=…, stale-while-revalidate=…` (`page_cache`
answers `If-None-Match` from those alone, without rendering). Whatever a
volunteer sees, and any page that sets a cookie, is `private, no-store`: their
buttons and messages must never reach a shared cache.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import zlib
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask, Request, current_app, request, session
from werkzeug.datastructures import ETags
from werkzeug.wrappers import Response

from meetups.config import DEFAULTS

PACKAGE = Path(__file__).resolve().parent.parent
# What renders a page, besides the data: a deploy that changes any of these changes every ETag.
CODE_SUFFIXES = frozenset({".py", ".html", ".mo", ".css", ".js", ".csv"})
# Settings a page never shows, left out of the code version (secrets stay out of every hash).
UNSHOWN_SETTINGS = (
    "SECRET",
    "PASSWORD",
    "DATABASE",
    "STORAGE_URI",
    "CACHE_URL",
    "API_KEY",
    "ENGINE",
)
PRIVATE = "private, no-store"
# A gzipped answer is a representation of its own, so its strong ETag is another.
GZIP_SUFFIX = "-gzip"
# zlib's window bits for the gzip format (RFC 1952), rather than its own.
GZIP_WINDOW = 31


def init_app(app: Flask) -> None:
    app.extensions["code_version"] = code_version(app.config)
    app.after_request(keep_private_pages_private)


@dataclass(frozen=True, slots=True)
class Validators:
    """A page's ETag (unquoted) and Last-Modified, and how long caches may keep it."""

    etag: str
    last_modified: datetime
    max_age: int

    def not_modified(self, known_ok: bool) -> bool:
        """Whether this request's validators match, so a 304 answers it."""
        return self.matches(request.if_none_match, request.if_modified_since, known_ok)

    def matches(
        self, if_none_match: ETags, if_modified_since: datetime | None, known_ok: bool
    ) -> bool:
        """Whether validators a client sent match this page.

        `If-None-Match` wins over `If-Modified-Since` (RFC 9110 13.2.2), and the ETag
        names one page, so a match is enough. `*` and a date name no page: they are
        trusted only when this page is known to be a 200 (`known_ok`), never for an error.
        """
        if if_none_match:
            if if_none_match.star_tag:
                return known_ok
            return names_either(if_none_match, self.etag)
        since = if_modified_since
        return known_ok and since is not None and self.last_modified <= since

    def apply(self, response: Response, gzipped: bool = False) -> Response:
        """Mark a visitor's 200 answer public, with these validators (and the gzipped
        representation's ETag, when that is what it sends)."""
        set_representation_etag(response, self.etag, gzipped)
        response.last_modified = self.last_modified
        response.headers["Cache-Control"] = public_cache_control(
            self.max_age, current_app.config["PAGE_STALE_WHILE_REVALIDATE"]
        )
        return response

    def not_modified_response(self, gzipped: bool = False) -> Response:
        """A 304 carries the validators and lifetime again, so caches keep the page longer."""
        return self.apply(Response(status=304), gzipped)


def page_validators(
    key: Hashable, changed_at: datetime | None, bucket_start: float, bucket_seconds: int, now: float
) -> Validators:
    """Validators of the page under `key` (address, language, data version, bucket).

    Its last change is the latest of: the last edit, the start of the time bucket
    (dates move on), and the deploy; none can be later than now.
    """
    latest = max(bucket_start, _code_time(), changed_at.timestamp() if changed_at else 0.0)
    # Until the bucket ends the page stays the same, unless the data changes.
    left = max(0, int(bucket_start + bucket_seconds - now))
    return Validators(
        etag=page_etag(key),
        last_modified=datetime.fromtimestamp(int(min(latest, now)), UTC),
        max_age=min(current_app.config["PAGE_MAX_AGE"], left),
    )


def page_etag(key: Hashable) -> str:
    """A strong ETag for what a page shows under `key`, and the code that shows it."""
    digest = hashlib.sha256(repr((current_app.extensions["code_version"], key)).encode())
    return "p-" + digest.hexdigest()[:32]


def gzipped(body: bytes) -> bytes:
    """`body` in the gzip format, the same bytes for the same body (no time, no name), so
    that every worker keeps and sends the same representation under one ETag."""
    return gzip.compress(body, compresslevel=6, mtime=0)


def gunzipped(data: bytes) -> bytes:
    return zlib.decompress(data, GZIP_WINDOW)


def names_either(tags: ETags, etag: str) -> bool:
    """Whether the validators a client sent name this answer, plain or gzipped."""
    return tags.contains_weak(etag) or tags.contains_weak(etag + GZIP_SUFFIX)


def set_representation_etag(response: Response, etag: str, gzipped: bool) -> Response:
    """The ETag of the representation sent (the gzipped one is another), and that it
    depends on the encoding asked for."""
    response.set_etag(etag + GZIP_SUFFIX if gzipped else etag)
    response.vary.add("Accept-Encoding")
    return response


def accepts_gzip(request: Request) -> bool:
    """Whether the client takes gzip (`gzip;q=0` refuses it, `*` takes it)."""
    return request.accept_encodings["gzip"] > 0


def public_cache_control(max_age: int, stale_while_revalidate: int) -> str:
    """Any cache may keep it this long, then serve it stale while it asks us again."""
    return f"public, max-age={max_age}, stale-while-revalidate={stale_while_revalidate}"


def keep_private_pages_private(response: Response) -> Response:
    """A page for someone with a cookie, or that sets one, is kept by nobody.

    `page_cache` never marks those public; this holds for every other view too
    (forms, accounts, moderation), whatever it set, so that no shared cache ever
    keeps a volunteer's page.
    """
    if response.mimetype == "text/html" and (request.cookies or session.modified):
        response.headers["Cache-Control"] = PRIVATE
        response.headers.pop("ETag", None)
        response.headers.pop("Last-Modified", None)
    return response


def code_version(config: Mapping[str, Any]) -> str:
    """A hash of the code, templates, translations and settings that pages are made of.

    Our own settings only (`MEETUPS_*`): they are plain values, whose `repr` is the
    same in every worker, where Flask's include sets, ordered differently in each
    process, which would give each worker its own ETags.
    """
    shown = sorted(
        (key, repr(config[key]))
        for key in DEFAULTS
        if not any(word in key for word in UNSHOWN_SETTINGS)
    )
    return hashlib.sha256(repr((_files_hash(), shown)).encode()).hexdigest()[:16]


@functools.cache
def _files_hash() -> str:
    digest = hashlib.sha256()
    for path in _code_files():
        digest.update(str(path.relative_to(PACKAGE)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


@functools.cache
def _code_time() -> float:
    """When the code last changed: pages made by a new deploy are newer than any before."""
    return max(path.stat().st_mtime for path in _code_files())


def _code_files() -> list[Path]:
    return sorted(
        path
        for path in PACKAGE.rglob("*")
        if path.suffix in CODE_SUFFIXES and "migrations" not in path.parts and path.is_file()
    )
