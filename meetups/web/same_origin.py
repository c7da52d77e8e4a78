"""A CSRF defence for forms anyone may send without an account, and so without a cookie.

Flask-WTF's token lives in the session, which would give every visitor who opens
the report form a cookie they were promised they would not get. A forged
cross-site POST is told apart instead by what the browser itself says about
where the form came from: `Sec-Fetch-Site` (every current browser), else `Origin`.
A request with neither (an old browser, a script) has no victim's session to ride
on and is rate-limited like any other.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from flask import abort, request
from flask_babel import gettext

from meetups.extensions import csrf

# "none" is a form the visitor typed or bookmarked the address of: not forged.
SAFE_FETCH_SITES = {"same-origin", "none"}


def is_cross_site(fetch_site: str | None, origin: str | None, host: str) -> bool:
    """Whether a browser says the request came from another site."""
    if fetch_site:
        return fetch_site not in SAFE_FETCH_SITES
    if origin and origin != "null":
        return urlsplit(origin).netloc != host
    return False


def same_origin_form(view: Callable[..., Any]) -> Callable[..., Any]:
    """Exempt a view from the session's CSRF token and refuse cross-site POSTs instead."""

    @wraps(view)
    def checked(*args: Any, **kwargs: Any) -> Any:
        if request.method == "POST" and is_cross_site(
            request.headers.get("Sec-Fetch-Site"), request.headers.get("Origin"), request.host
        ):
            abort(403, gettext("This form can only be sent from this site."))
        return view(*args, **kwargs)

    return csrf.exempt(checked)
