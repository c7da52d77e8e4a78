"""Whole public pages for visitors, kept until the data changes or the clock moves on.

Visitors carry no cookie, so every one of them gets the same page: render it
once per data version (see `data_version`), time bucket and language, and serve
those bytes to everyone who asks in that language until then (the language
comes from `?lang=` or `Accept-Language`, see `i18n`). The bucket keeps "next
dates" and "unconfirmed since" current. Volunteers (who have a session cookie)
always get a fresh page, with their own buttons and messages, and see their
edits at once.
"""

from __future__ import annotations

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
