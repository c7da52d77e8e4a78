"""Security headers on every response: pages, feeds, static files, errors and /healthz;
and addresses or forms carrying NUL characters turned away before any view.

The Content-Security-Policy allows our own origin only, plus images from the map's
tile server (`MAP_TILE_URL`): no inline script or style, no plugin, no framing, forms
posting only to us. The templates hold no inline `<script>` code, `style=""` or
`<style>`; Leaflet sets its styles through the CSSOM, which a policy does not govern.

Views marked `framable` (the embeds) get a policy of their own: any site may frame
them, and they load nothing but our own stylesheet and script.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, request
from flask.wrappers import Response

# Sent on every response; `Content-Security-Policy` is built from the configuration.
STATIC_HEADERS = {
    # Browsers take our Content-Type at its word: a feed, a JSON answer or a file
    # served as text is never run as script or rendered as HTML.
    "X-Content-Type-Options": "nosniff",
    # Other sites get our origin and nothing else, so neither a tile server nor a
    # linked site learns which city a visitor looks at, nor where /near placed them
    # (their coordinates are in its address). Not `no-referrer`: OpenStreetMap's tile
    # policy requires a Referer from web pages and refuses tiles without one, and our
    # own pages still see full addresses (same origin).
    "Referrer-Policy": "strict-origin-when-cross-origin",
    # For browsers older than CSP's frame-ancestors: no page of ours inside a frame.
    "X-Frame-Options": "DENY",
}
# For embeds: framed by any site (`*` is any http(s) page), loading nothing but our own
# stylesheet and the script that tells the host page its height; no form, no <base href>.
FRAMABLE_POLICY = (
    "default-src 'none'; style-src 'self'; script-src 'self'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors *"
)


HSTS = "max-age=31536000"


def init_app(app: Flask) -> None:
    app.before_request(refuse_nul_characters)
    app.after_request(add_security_headers)


def refuse_nul_characters() -> None:
    """No NUL character reaches a view: PostgreSQL refuses it in text, so it would end
    in a 500 wherever a value goes into a query, and no slug, name or address has one.

    An address or a form with one is refused (400); in a query string, which only
    looks things up, it means nothing and is dropped (a search treats it as text).
    """
    fields = request.form.items(multi=True) if request.method == "POST" else ()
    if "\x00" in request.path or any("\x00" in key + value for key, value in fields):
        abort(400, "Addresses and forms cannot contain NUL characters.")
    query = list(request.args.items(multi=True))
    if any("\x00" in key + value for key, value in query):
        request.args = request.parameter_storage_class(
            (key.replace("\x00", ""), value.replace("\x00", "")) for key, value in query
        )


def framable(view: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a view whose answers, errors included, other sites may show in a frame."""
    view.framable = True  # type: ignore[attr-defined]
    return view


def _framable_request() -> bool:
    view = current_app.view_functions.get(request.endpoint or "")
    return getattr(view, "framable", False)


def add_security_headers(response: Response) -> Response:
    """Add the headers a view has not set itself."""
    if _framable_request():
        response.headers.setdefault("Content-Security-Policy", FRAMABLE_POLICY)
        for name, value in STATIC_HEADERS.items():
            if name != "X-Frame-Options":
                response.headers.setdefault(name, value)
        return response
    response.headers.setdefault(
        "Content-Security-Policy", content_security_policy(current_app.config["MAP_TILE_URL"])
    )
    for name, value in STATIC_HEADERS.items():
        response.headers.setdefault(name, value)
    if current_app.config["HTTPS"]:
        # Browsers then refuse plain HTTP to the site for a year: no cookie leaks over it.
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response


@functools.lru_cache(maxsize=8)
def content_security_policy(tile_url: str) -> str:
    tiles = tile_source(tile_url)
    directives = {
        "default-src": "'self'",
        "img-src": " ".join(filter(None, ["'self'", "data:", tiles])),
        "script-src": "'self'",
        "style-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def tile_source(tile_url: str) -> str:
    """The CSP source of a Leaflet tile URL template: its scheme, host and port.

    A `{s}` (subdomain) placeholder in the first label of the host becomes `*`, the
    only wildcard CSP allows; a placeholder elsewhere in the host leaves the scheme
    alone as the source. No tile URL, no source (maps are hidden).
    """
    if not tile_url:
        return ""
    parts = urlsplit(tile_url)
    scheme = f"{parts.scheme}:" if parts.scheme else ""
    host = parts.hostname or ""
    labels = host.split(".")
    if "{" in labels[0]:
        labels[0] = "*"
    try:
        port = parts.port
    except ValueError:  # a placeholder in the port
        port, labels = None, ["{"]
    if not host or any("{" in label for label in labels):
        return scheme or "'self'"
    host = f"[{host}]" if ":" in host else ".".join(labels)
    origin = host + (f":{port}" if port else "")
    return f"{scheme}//{origin}" if scheme else origin
