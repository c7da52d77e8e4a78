"""Flask's signed-cookie sessions, opened without cryptography when there is no cookie.

Flask derives the session's signing keys for every request, cookie or not. Visitors
never carry one, and deriving them was a tenth of what a kept page or a feed's 304
costs; only volunteers (who have signed in, or are filling in a form) need them.
"""

from __future__ import annotations

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface


def init_app(app: Flask) -> None:
    app.session_interface = CookielessFirst()


class CookielessFirst(SecureCookieSessionInterface):
    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        """An empty session when the request has no session cookie, as Flask would give."""
        if app.secret_key and self.get_cookie_name(app) not in request.cookies:
            return self.session_class()
        return super().open_session(app, request)
