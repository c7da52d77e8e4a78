"""Whole public pages for visitors, kept until the data changes or the clock moves on.

Visitors carry no cookie, so every one of them gets the same page: render it
once per data version (see `data_version`), time bucket and language, and serve
those bytes to everyone who asks in that language until then (the language
comes from `?lang=` or `Accept-Language`, see `i18n`). The bucket keeps "next
dates" and "unconfirmed since" current. The same key gives the page its
validators (`http_cache`), so a browser, proxy or CDN that sends back its ETag
gets a 304 before anything is queried or rendered. Volunteers (who have a
session cookie) always get a fresh page, with their own buttons and messages,
and see their edits at once. Pages the same for everyone, framed by other sites
(`validated`: the embeds), are validated for every request, cookie or not.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Callable
from functools import wraps
from typing import Any, NamedTuple
from urllib.parse import urlencode

from flask import Flask, current_app, make_response, redirect, request, session
from werkzeug.wrappers import Response

from meetups.data_version import DataVersion, changed_at
from meetups.extensions import db
from meetups.lru import BytesLRU
from meetups.web import front_door
from meetups.web.http_cache import (
    Validators,
    accepts_gzip,
    gunzipped,
    gzipped,
    names_either,
    page_etag,
    page_validators,
    public_cache_control,
    set_representation_etag,
)
from meetups.web.i18n import chosen_language, language
from meetups.web.shared_cache import SharedCache


class Kept(NamedTuple):
    """A visitor's answer: a page, or a redirect (a search that names one city leads to it).

    The body is kept gzipped: a page shrinks five to seven times, so the same memory
    holds that many more of the thousands of addresses visitors ask for, and nearly
    every browser asks for gzip, so most visitors are sent these very bytes (a phone
    loads a fifth as much). For the others, inflating one again (30 µs for a meetup
    page) costs a hundredth of rendering it.
    """

    compressed: bytes
    location: str | None = None
    status: int = 200

    @classmethod
    def of(cls, response: Response) -> Kept:
        return cls(gzipped(response.get_data()), response.location, response.status_code)

    @property
    def body(self) -> bytes:
        return gunzipped(self.compressed)

    @property
    def size(self) -> int:
        return len(self.compressed) + len(self.location or "")

    def to_bytes(self) -> bytes:
        """As kept in the shared cache: the status and location, a newline, the body."""
        return f"{self.status} {self.location or ''}\n".encode() + self.compressed

    @classmethod
    def from_bytes(cls, stored: bytes) -> Kept:
        head, _, compressed = stored.partition(b"\n")
        status, _, location = head.decode().partition(" ")
        return cls(compressed, location or None, int(status))


def init_app(app: Flask) -> None:
    app.extensions["pages"] = BytesLRU[Kept](
        app.config["KEPT_PAGES_BYTES"], size=lambda kept: kept.size
    )
    url = app.config["SHARED_CACHE_URL"]
    app.extensions["shared_cache"] = SharedCache(url) if url else None


def for_visitors(view: Callable[..., Any]) -> Callable[..., Response]:
    """Serve the view's 200 answers from memory, or as 304s, to requests without cookies."""

    @wraps(view)
    def cached(*args: Any, **kwargs: Any) -> Response:
        if request.cookies:
            return make_response(view(*args, **kwargs))
        if current_app.config["LANGUAGE_IN_ADDRESS"] and chosen_language() is None:
            return _to_address_in_language()
        seconds = current_app.config["PAGE_CACHE_SECONDS"]
        if seconds <= 0:
            return make_response(view(*args, **kwargs))
        pages: BytesLRU[Kept] = current_app.extensions["pages"]
        key, version, start, now = _page_key(seconds)
        validators = page_validators(key, changed_at(version), start, seconds, now)
        gzip = accepts_gzip(request)
        kept = pages.get(key)
        if validators.not_modified(known_ok=kept is not None and kept.status == 200):
            response = validators.not_modified_response(_encoded(kept, gzip))
        elif (kept := kept or _from_shared(key, validators.etag)) is not None:
            response = validators.apply(_answer(kept, gzip), _encoded(kept, gzip))
        else:
            response = make_response(view(*args, **kwargs))
            if not _same_for_everyone(response):
                return response
            kept = _keep(key, validators.etag, Kept.of(response), start + seconds - now)
            if _encoded(kept, gzip):
                _send_gzipped(response, kept)
            validators.apply(response, _encoded(kept, gzip)).make_conditional(request)
        known_ok = kept is not None and kept.status == 200
        _offer(version, start + seconds, validators, _body(kept, gzip, response), known_ok)
        return response

    return cached


# Browsers and caches may show a validated page this long before asking again.
VALIDATED_MAX_AGE = 60


def validated(view: Callable[..., Any]) -> Callable[..., Response]:
    """Like `for_visitors`, for every request, with a strong ETag and 304s before rendering.

    For pages that show nothing of the visitor's own (the embeds, framed by other
    sites): the ETag names the address, language, data version and time bucket, so
    a browser or cache that sends it back gets a 304 until one of them moves on.
    """

    @wraps(view)
    def conditional(*args: Any, **kwargs: Any) -> Response:
        seconds = current_app.config["PAGE_CACHE_SECONDS"]
        if seconds <= 0:
            return make_response(view(*args, **kwargs))
        key, version, start, now = _page_key(seconds)
        etag = page_etag(key)
        gzip = accepts_gzip(request)
        pages: BytesLRU[Kept] = current_app.extensions["pages"]
        kept = pages.get(key)
        if names_either(request.if_none_match, etag):
            response = _with_validators(Response(status=304), etag, gzip)
        elif (kept := kept or _from_shared(key, etag)) is not None:
            response = _with_validators(_answer(kept, gzip), etag, gzip)
        else:
            response = make_response(view(*args, **kwargs))
            if response.status_code != 200 or session.modified or response.direct_passthrough:
                return response
            kept = _keep(key, etag, Kept.of(response), start + seconds - now)
            if gzip:
                _send_gzipped(response, kept)
            _with_validators(response, etag, gzip)
        front_door.offer(
            request.environ,
            front_door.Offer(
                version,
                start + seconds,
                lambda tags, _since: names_either(tags, etag),
                _body(kept, gzip, response),
            ),
        )
        return response

    return conditional


def _page_key(seconds: int) -> tuple[tuple, tuple, float, float]:
    """The request's page key (address, language, data version, time bucket), the data
    version, when its bucket began, and now."""
    data: DataVersion = current_app.extensions["data_version"]
    now = time.time()
    bucket, start = time_bucket(request.full_path, seconds, now)
    version = data.current(db.session)
    # The same address is a French page for one visitor and an English one for another.
    return (request.full_path, language(), version, bucket), version, start, now


def _from_shared(key: tuple, etag: str) -> Kept | None:
    """Another worker's rendering of this page, from the shared cache if there is one."""
    shared: SharedCache | None = current_app.extensions["shared_cache"]
    stored = shared.get(SHARED_PREFIX + etag) if shared is not None else None
    if stored is None:
        return None
    return current_app.extensions["pages"].put(key, Kept.from_bytes(stored))


def _keep(key: tuple, etag: str, kept: Kept, seconds_left: float) -> Kept:
    """Keep a rendered page in this worker, and for the others until its bucket ends."""
    shared: SharedCache | None = current_app.extensions["shared_cache"]
    if shared is not None:
        shared.put(SHARED_PREFIX + etag, kept.to_bytes(), seconds_left)
    return current_app.extensions["pages"].put(key, kept)


def time_bucket(address: str, seconds: int, now: float) -> tuple[int, float]:
    """The time bucket the page at `address` (path and query) is in at `now`, and when
    that bucket began.

    Each address's buckets begin at their own offset, the same in every worker: the
    site's pages then expire spread over the period, rather than all in one second,
    when every worker would render them again and a cache in front would ask for
    all of them at once (every search shares one path: the query counts too).
    """
    offset = zlib.crc32(address.encode()) % seconds
    bucket = int((now - offset) // seconds)
    return bucket, bucket * seconds + offset


def _offer(
    version: tuple,
    until: float,
    validators: Validators,
    body: front_door.Body | None,
    known_ok: bool,
) -> None:
    """The front door may answer this address again, as this view did, until `until`
    (`known_ok`: the address is known to give a page, not a redirect)."""
    swr = current_app.config["PAGE_STALE_WHILE_REVALIDATE"]
    most = current_app.config["PAGE_MAX_AGE"]
    front_door.offer(
        request.environ,
        front_door.Offer(
            version,
            until,
            lambda tags, since: validators.matches(tags, since, known_ok),
            body,
            lambda now: public_cache_control(min(most, max(0, int(until - now))), swr),
        ),
    )


def _with_validators(response: Response, etag: str, gzip: bool) -> Response:
    set_representation_etag(response, etag, gzip)
    response.headers["Cache-Control"] = f"public, max-age={VALIDATED_MAX_AGE}"
    return response


def _to_address_in_language() -> Response:
    """Send a visitor whose browser chose the language to the page's address in it.

    Only this small redirect varies with `Accept-Language`; the page itself then has
    one copy per language in any shared cache, whatever browsers send.
    """
    # An unknown `lang` (`?lang=de`) is replaced, not kept: it would choose nothing again.
    query = [(key, value) for key, value in request.args.items(multi=True) if key != "lang"]
    target = f"{request.path}?{urlencode([*query, ('lang', language())], safe='/')}"
    response = redirect(target, 302)
    response.headers["Cache-Control"] = public_cache_control(
        current_app.config["PAGE_MAX_AGE"], current_app.config["PAGE_STALE_WHILE_REVALIDATE"]
    )
    return response


# Pages' keys in the shared cache, before their ETag.
SHARED_PREFIX = "page:"

# Redirects a visitor's address may give: to the city a search names, to a lowercase
# country code, from a merged venue to the one kept.
REDIRECTS = frozenset({301, 302, 303, 307, 308})


def _same_for_everyone(response: Response) -> bool:
    """An answer any visitor may be given: a page, whole, or a redirect, that sets no cookie.

    A redirect is the same for everyone as a page is (the address, language and data
    decide it), and kept the same way: a search for a city is as common as its page,
    and finding the city costs more than showing it.
    """
    whole = response.status_code == 200 and not response.direct_passthrough
    return (whole or response.status_code in REDIRECTS) and not session.modified


def _encoded(kept: Kept | None, gzip: bool) -> bool:
    """Whether this client is sent the page gzipped: pages only (a redirect's body is a
    line), and unknown ones too (a 304 then names the gzipped page's ETag)."""
    return gzip and (kept is None or kept.status == 200)


def _body(kept: Kept | None, gzip: bool, response: Response) -> front_door.Body | None:
    """What the front door sends this client again: the kept gzip bytes as they are; for
    a client that does not take gzip, the page as this answer sent it (counted at its
    full size in the door's memory), or inflated each time if this answer was a 304."""
    if kept is None:
        return None
    if _encoded(kept, gzip):
        return front_door.Plain(kept.compressed)
    if response.status_code == kept.status and not response.direct_passthrough:
        return front_door.Plain(response.get_data())
    return kept


def _answer(kept: Kept, gzip: bool) -> Response:
    if _encoded(kept, gzip):
        return _send_gzipped(
            Response(status=kept.status, content_type="text/html; charset=utf-8"), kept
        )
    response = Response(kept.body, status=kept.status, content_type="text/html; charset=utf-8")
    if kept.location is not None:
        response.headers["Location"] = kept.location
    return response


def _send_gzipped(response: Response, kept: Kept) -> Response:
    """The kept gzip bytes as the body, as they are: nothing is compressed again."""
    response.set_data(kept.compressed)
    response.headers["Content-Encoding"] = "gzip"
    return response
