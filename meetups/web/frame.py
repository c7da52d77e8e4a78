"""The parts of every page's frame that read nothing of the page, rendered once per language.

A page's stylesheet and script links and the top of its header (the search box, the
travel links, the menu) say the same to every visitor in a language: some twenty
`url_for` and `_()` calls, a third of a meetup page's render. They are kept per
language, language chosen in the address (links carry it) and whether the page is
the home page (which has its own search box), a few dozen variants in all. The search
page's box holds what was searched, so that header is rendered each time.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, request
from markupsafe import Markup

from meetups.web.i18n import chosen_language, language

HOME = "pages.index"


def init_app(app: Flask) -> None:
    app.extensions["frame"] = {}
    app.jinja_env.globals["frame_part"] = frame_part


def frame_part(name: str, searched: str = "") -> Markup:
    """The macro `name` of `_frame.html`, from memory unless it shows what was searched."""
    home = request.endpoint == HOME
    if searched:
        return _render(name, home, searched)
    key = (name, home, language(), chosen_language())
    kept: dict[tuple, Markup] = current_app.extensions["frame"]
    found = kept.get(key)
    if found is None:
        found = kept[key] = _render(name, home, searched)
    return found


def _render(name: str, home: bool, searched: str) -> Markup:
    macro: Any = getattr(current_app.jinja_env.get_template("_frame.html").module, name)
    return Markup(macro(home, searched))
