"""Whole public pages for visitors, kept until the data changes or the clock moves on.

Visitors carry no cookie, so every one of them gets the same page: render it
once per data version (see `data_version`), time bucket and language, and serve
those bytes to everyone who asks in that language until then (the language
comes from `?lang=` or `Accept-Language`, see `i18n`). The bucket keeps "next
dates" and "unconfirmed since" current. Volunteers (who have a session cookie)
always get a fresh page, with their own buttons and messages, and see their
edits at once. Pages the same for everyone (`validated`) also carry an ETag.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask, current_app, make_response, request, session
from werkzeug.wrappers import Response

from meetups.data_version import DataVersion
from meetups.extensions import db
from meetups.lru import BytesLRU
from meetups.web.i18n import language


def init_app(app: Flask) -> None:
    app.extensions["pages"] = BytesLRU[bytes](app.config["PAGE_CACHE_BYTES"], size=len)


def for_visitors(view: Callable[..., Any]) -> Callable[..., Response]:
    """Serve the view's 200 answers from memory to requests without cookies."""

    @wraps(view)
    def cached(*args: Any, **kwargs: Any) -> Response:
        seconds = current_app.config["PAGE_CACHE_SECONDS"]
        if request.cookies or seconds <= 0:
            return make_response(view(*args, **kwargs))
        data: DataVersion = current_app.extensions["data_version"]
        pages: BytesLRU[bytes] = current_app.extensions["pages"]
        bucket = int(time.time() // seconds)
        # The same address is a French page for one visitor and an English one for another.
        key = (request.full_path, language(), data.current(db.session), bucket)
        body = pages.get(key)
        if body is not None:
            return Response(body, content_type="text/html; charset=utf-8")
        response = make_response(view(*args, **kwargs))
        if response.status_code == 200 and not session.modified and not response.direct_passthrough:
            pages.put(key, response.get_data())
        return response

    return cached


# Part of every page ETag: bump when unchanged data would be rendered differently.
PAGE_FORMAT = "1"
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
        data: DataVersion = current_app.extensions["data_version"]
        key = (
            request.full_path,
            language(),
            data.current(db.session),
            int(time.time() // seconds),
        )
        etag = _etag(key)
        if request.if_none_match.contains_weak(etag):
            return _with_validators(Response(status=304), etag)
        pages: BytesLRU[bytes] = current_app.extensions["pages"]
        body = pages.get(key)
        if body is not None:
            response = Response(body, content_type="text/html; charset=utf-8")
            return _with_validators(response, etag)
        response = make_response(view(*args, **kwargs))
        if response.status_code != 200 or session.modified or response.direct_passthrough:
            return response
        pages.put(key, response.get_data())
        return _with_validators(response, etag)

    return conditional


def _etag(key: tuple) -> str:
    parts = (PAGE_FORMAT, current_app.config["BASE_URL"], *map(repr, key))
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:32]


def _with_validators(response: Response, etag: str) -> Response:
    response.set_etag(etag)
    response.headers["Cache-Control"] = f"public, max-age={VALIDATED_MAX_AGE}"
    return response
