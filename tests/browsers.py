"""A browser for tests against a real server: its own cookies, forms filled in from pages.

Standard library only (urllib): redirects are returned, not followed, so that a
test sees the 302 or 303 a form answers with.
"""

from __future__ import annotations

from http.cookiejar import CookieJar
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import HTTPCookieProcessor, HTTPRedirectHandler, Request, build_opener

from bs4 import BeautifulSoup

from tests.conftest import PASSWORD

TIMEOUT = 60


class _NoRedirects(HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


class Browser:
    """One person's browser: GET a page, POST a form; each answer as (status, text, headers)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self._opener = build_opener(HTTPCookieProcessor(CookieJar()), _NoRedirects)

    def open(self, path: str, form: dict | None = None) -> tuple[int, str, dict[str, str]]:
        data = urlencode(form, doseq=True).encode() if form is not None else None
        try:
            with self._opener.open(Request(self.base + path, data=data), timeout=TIMEOUT) as got:
                return got.status, got.read().decode(), dict(got.headers)
        except HTTPError as error:
            with error:
                return error.code, error.read().decode(), dict(error.headers)

    def submit(self, path: str, **changes: object) -> tuple[int, str, dict[str, str]]:
        """Open the page at `path` and send its form back with some fields changed."""
        _, page, _ = self.open(path)
        return self.open(path, {**form_fields(page), **changes})

    def sign_in(self, email: str, password: str = PASSWORD) -> None:
        status, _, _ = self.submit("/account/sign-in", email=email, password=password)
        assert status == 303, f"{email} could not sign in ({status})"


def form_fields(page: str) -> dict[str, object]:
    """What a browser would send for the page's (main) form as it stands."""
    form = BeautifulSoup(page, "html5lib").select_one("main form[method=post]")
    assert form is not None, "no form on the page"
    fields: dict[str, object] = {}
    for element in form.select("input[name], textarea[name], select[name]"):
        name, kind = element["name"], element.get("type")
        if element.name == "textarea":
            fields[name] = element.get_text()
        elif element.name == "select":
            chosen = element.select_one("option[selected]") or element.select_one("option")
            fields[name] = chosen["value"] if chosen else ""
        elif kind == "checkbox":
            if element.has_attr("checked"):
                fields.setdefault(name, []).append(element.get("value", "y"))
        elif kind == "radio":
            if element.has_attr("checked"):
                fields[name] = element.get("value", "")
        else:
            fields[name] = element.get("value", "")
    return fields
