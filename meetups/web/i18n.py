"""The interface in the visitor's language: English, German, Spanish, French, Italian or
Portuguese (Flask-Babel).

The language comes from `?lang=fr` (or `en`, `de`…) when the address names one, else from the
browser's `Accept-Language`, else English. Nothing is stored: visitors get no
cookie, so a visitor who chose a language keeps it through links, which carry
`lang` on to every page (`url_for` adds it, see `_keep_chosen_language`), and
through the forms, which post to addresses that carry it. Pages whose language
came from the header say `Vary: Accept-Language`; the page cache keys on the
language (`page_cache`).

Domain modules stay Flask-free and English: their words for people are marked
with `N_` (`meetups.texts`, or `meetups.schedule.ScheduleError`) and said here in
the visitor's language by `translate`; countries and cities are named in it by
`country_name` and `city_name` (see `meetups.places.names`). Feeds, the JSON API
and the Atom feed stay English.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit

from babel import Locale
from flask import Flask, current_app, g, has_request_context, request
from flask_babel import (
    Babel,
    get_locale,
    get_translations,
    gettext,
    lazy_gettext,
    pgettext,
    refresh,
)
from markupsafe import Markup, escape
from werkzeug.wrappers import Response

from meetups.models import City, Country
from meetups.places import names
from meetups.schedule import Rule, Schedule, describe, time_zone
from meetups.schedule import describe_rule as _describe_rule
from meetups.slugs import fold
from meetups.texts import N_, Text
from meetups.web import display

# The interface's languages, each named in itself (for the switch in the header).
LANGUAGES = {
    "en": "English",
    "de": "Deutsch",
    "es": "Español",
    "fr": "Français",
    "it": "Italiano",
    "pt": "Português",
}
DEFAULT_LANGUAGE = "en"
TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"
# Blueprints whose pages keep a chosen language in their links and forms. Buttons too
# (sign out, confirm, delete…): their targets redirect to a page, which must stay in
# it. Feeds, the API, sitemaps and static files do not need it.
PAGE_BLUEPRINTS = frozenset({"pages", "travel", "editing", "moderation", "accounts", "freshness"})
NOT_PAGES = (".ics", ".atom", ".xml", ".txt", ".json")


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    Babel(app, locale_selector=select_locale)
    _look_up_translations_once_per_request(app)
    # A language whose catalogue was not compiled (`make run` and `make test` compile them)
    # is not offered: its visitors get English throughout, rather than a page half-translated.
    app.extensions["languages"] = _compiled_languages(app.config["BABEL_TRANSLATION_DIRECTORIES"])
    # `{% trans %}` blocks are read with their whitespace collapsed, as pybabel extracts them.
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    app.before_request(_forget_last_language)
    app.after_request(_say_language)
    app.url_defaults(_keep_chosen_language)
    app.jinja_env.globals.update(
        current_language=language,
        language_links=language_links,
        language_field=language_field,
        chosen_language=chosen_language,
        error_name=error_name,
        error_description=error_description,
        report_kind=report_kind,
    )


# --- Choosing the language ------------------------------------------------------------------


def _compiled_languages(directories: str) -> tuple[str, ...]:
    found = [
        code
        for code in LANGUAGES
        if code == DEFAULT_LANGUAGE
        or any(
            (Path(folder) / code / "LC_MESSAGES" / "messages.mo").is_file()
            for folder in directories.split(";")
        )
    ]
    return tuple(found)


def _look_up_translations_once_per_request(app: Flask) -> None:
    """Templates' `_()` without Flask-Babel's per-call lookups of context, locale and catalogue.

    A page says a few hundred messages; Flask-Babel finds the request's catalogue
    anew for each (a fifth of a rendered city page's time). The language is chosen
    once per request, so its catalogue is too.
    """
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda text: _translations().ugettext(text),
        ngettext=lambda singular, plural, n: _translations().ungettext(singular, plural, n),
        pgettext=lambda context, text: _translations().upgettext(context, text),
        npgettext=lambda context, singular, plural, n: _translations().unpgettext(
            context, singular, plural, n
        ),
        newstyle=True,
    )


def _translations() -> Any:
    found = g.get("translations")
    if found is None:
        found = g.translations = get_translations()
    return found


def available_languages() -> tuple[str, ...]:
    return current_app.extensions.get("languages", (DEFAULT_LANGUAGE,))


def chosen_language() -> str | None:
    """The language the address names (`?lang=fr`), if it is one of ours."""
    if not has_request_context():
        return None
    value = request.args.get("lang")
    return value if value in LANGUAGES else None


def select_locale() -> str | None:
    """Flask-Babel's locale selector: the address, else the browser's preference, else English."""
    if not has_request_context():
        return None
    available = available_languages()
    chosen = chosen_language()
    if chosen:
        found = chosen if chosen in available else DEFAULT_LANGUAGE
    else:
        g.language_negotiated = True
        found = request.accept_languages.best_match(available, default=DEFAULT_LANGUAGE)
    g.request_language = found
    return found


def language() -> str:
    """This request's language code: "en", "fr", "de"…"""
    locale = get_locale()
    return locale.language if locale is not None else DEFAULT_LANGUAGE


def _forget_last_language() -> None:
    """Each request chooses again; in tests, requests share one application context (and `g`)."""
    refresh()
    g.pop("translations", None)
    g.pop("language_negotiated", None)
    g.pop("request_language", None)


def _say_language(response: Response) -> Response:
    """Caches and browsers learn which header chose the language, and which language it is."""
    if g.get("language_negotiated"):
        response.vary.add("Accept-Language")
    if g.get("request_language") and response.mimetype == "text/html":
        response.headers.setdefault("Content-Language", g.request_language)
    return response


def _keep_chosen_language(endpoint: str, values: dict[str, Any]) -> None:
    """Links to pages carry the language the visitor chose, so it lasts without a cookie."""
    chosen = chosen_language()
    if chosen is None or "lang" in values or endpoint not in _page_endpoints(current_app):
        return
    values["lang"] = chosen


def in_chosen_language(path: str) -> str:
    """A path on this site, in the language this request's address chose (if it chose one).

    For addresses `url_for` did not build, such as where to go after signing in: the
    visitor may have switched language on the way there.
    """
    chosen = chosen_language()
    if chosen is None:
        return path
    parts = urlsplit(path)
    kept = [(key, value) for key, value in parse_qsl(parts.query, True) if key != "lang"]
    return parts._replace(query=urlencode([*kept, ("lang", chosen)], safe="/")).geturl()


def _page_endpoints(app: Flask) -> frozenset[str]:
    """Pages, and the targets of the forms and buttons on them, whatever their method."""
    found = app.extensions.get("page_endpoints")
    if found is None:
        found = frozenset(
            rule.endpoint
            for rule in app.url_map.iter_rules()
            if rule.endpoint.partition(".")[0] in PAGE_BLUEPRINTS
            and not rule.rule.endswith(NOT_PAGES)
        )
        app.extensions["page_endpoints"] = found
    return found


# --- Template helpers -----------------------------------------------------------------------


def language_links() -> list[dict[str, Any]]:
    """The switch in the header: this page in each language, the current one marked."""
    current = language()
    kept = [(key, value) for key, value in request.args.items(multi=True) if key != "lang"]
    return [
        {
            "code": code,
            "name": name,
            "url": request.path + "?" + urlencode([*kept, ("lang", code)], safe="/"),
            "current": code == current,
        }
        for code, name in LANGUAGES.items()
    ]


def language_field() -> Markup:
    """A hidden `lang` field for GET forms, whose own fields replace the action's query."""
    chosen = chosen_language()
    if chosen is None:
        return Markup("")
    return Markup('<input type="hidden" name="lang" value="{}">').format(escape(chosen))


def translate(text: object) -> str:
    """Domain words (`N_`-marked texts and errors carrying them) in the visitor's language.

    Anything else, such as a message nobody marked, is shown as it is.
    """
    if isinstance(text, BaseException):
        msgid = getattr(text, "msgid", None)
        if isinstance(msgid, str):
            return gettext(msgid, **_translated(getattr(text, "params", {})))
        if len(text.args) == 1:
            return translate(text.args[0])
        return str(text)
    if isinstance(text, Text):
        return say(text, **_translated(text.params))
    # Plain words are looked up too (those of `FOREIGN_WORDS`); unknown ones stay as they are.
    return gettext(str(text)) if text else ""


# Words of modules that cannot mark their own, listed here so that pybabel extracts them.
FOREIGN_WORDS = (N_("Addresses and forms cannot contain NUL characters."),)  # security.py


def _translated(params: Mapping[str, Any]) -> dict[str, Any]:
    return {
        name: translate(value) if isinstance(value, Text) else value
        for name, value in params.items()
    }


# --- Dates, numbers and schedules in the visitor's language -------------------------------


def long_date(day: date) -> str:
    return display.long_date(day, language())


def day_heading(start: datetime) -> str:
    """ "Today", "Tomorrow", "Thursday 10 December": the day a date starts on, in its own
    zone, with the year only when it is not this one."""
    today = datetime.now(start.tzinfo).date()
    day = start.date()
    if day == today:
        return gettext("Today")
    if day == today + timedelta(days=1):
        return gettext("Tomorrow")
    if day.year == today.year:
        return display.day_in_year(day, language())
    return long_date(day)


def local_moment(moment: datetime, zone: str) -> str:
    """ "Thursday 3 December 2026, 09:12 CET": a stored UTC moment as the people of a
    listing's zone read their clocks."""
    local = moment.astimezone(time_zone(zone))
    return f"{long_date(local.date())}, {local:%H:%M} {display.zone_abbreviation(local)}"


def language_names(codes: Iterable[str]) -> str:
    """ "French, English" (« français, anglais ») for stored codes; an unknown code as it is."""
    known = Locale.parse(language()).languages
    return ", ".join(known.get(code, code) for code in codes if code)


def distance(km: float) -> str:
    return display.distance(km, language())


def describe_schedule(schedule: Schedule) -> str:
    """`schedule.describe` in the visitor's language: the same sentence, from translated parts."""
    return _described(schedule, language())


# 1,024 sentences hold 0.6 MB (4,096 held 2.4 MB, for 47% hits instead of 31% in the mix).
@functools.lru_cache(maxsize=1024)
def _described(schedule: Schedule, language: str) -> str:
    """Remembered: a city page says 60 schedules, most of them alike, in a few languages."""
    return describe(schedule, say=say)


def describe_rule(rule: Rule) -> str:
    """ "Every other Thursday", in the visitor's language: how often, without the time."""
    return _describe_rule(rule, say=say)


def say(msgid: str, /, **params: Any) -> str:
    """`gettext`, or `pgettext` for words marked with a context (`meetups.texts.NC_`)."""
    context = getattr(msgid, "context", None)
    plain = getattr(msgid, "msgid", msgid)
    return pgettext(context, plain, **params) if context else gettext(plain, **params)


# --- Countries and cities in the visitor's language -----------------------------------------

Row = TypeVar("Row", bound=tuple[Any, ...])


def country_name(country: Country) -> str:
    """ "Allemagne" on French pages, "Deutschland" on German ones; on English ones, as stored."""
    return names.country_name(country.code, country.name, language())


def country_named(code: str) -> str:
    """A country the directory may not hold yet, from its code, in the visitor's language."""
    return names.country_named(code, language())


def city_name(city: City) -> str:
    """ "Londres" on French pages, "Londra" on Italian ones, where the curated files know it."""
    return names.city_name(city.id, city.name, language())


def city_place(city: City) -> str:
    """The city's name and, where one is known, its region: "Springfield, Illinois"."""
    name = city_name(city)
    return f"{name}, {city.region}" if city.region else name


# First letters (folded) before which French elides "de".
VOWELS = frozenset("aeiouy")


def near_city(city: City) -> str:
    """ "near Cascavel", with the city's name in the visitor's language; French elides
    before a vowel ("près d’Assis Chateaubriand", not "près de Assis")."""
    name = city_name(city)
    if fold(name)[:1] in VOWELS:
        return pgettext("before a name that begins with a vowel", "near %(city)s", city=name)
    return gettext("near %(city)s", city=name)


def by_country_name(rows: Iterable[Row]) -> list[Row]:
    """Rows that start with a country, in the visitor's alphabetical order of its name."""
    return sorted(rows, key=lambda row: names.sort_key(country_name(row[0])))


def by_city_name(rows: Iterable[Row]) -> list[Row]:
    """Rows that start with a city, in the visitor's alphabetical order of its name."""
    return sorted(rows, key=lambda row: names.sort_key(city_name(row[0])))


# --- Error pages ----------------------------------------------------------------------------

# Werkzeug's names for the errors people meet, translated (in English, the same words).
ERROR_NAMES = {
    400: lazy_gettext("Bad Request"),
    401: lazy_gettext("Unauthorized"),
    403: lazy_gettext("Forbidden"),
    404: lazy_gettext("Not Found"),
    405: lazy_gettext("Method Not Allowed"),
    409: lazy_gettext("Conflict"),
    410: lazy_gettext("Gone"),
    413: lazy_gettext("Request Entity Too Large"),
    429: lazy_gettext("Too Many Requests"),
    500: lazy_gettext("Internal Server Error"),
    503: lazy_gettext("Service Unavailable"),
}
# Said instead of Werkzeug's own descriptions, which are written for developers.
ERROR_DESCRIPTIONS = {
    400: lazy_gettext("This address or form could not be understood. Nothing was changed."),
    401: lazy_gettext("Please sign in first."),
    403: lazy_gettext("You may not open this page or do this."),
    405: lazy_gettext("This address does not answer this kind of request."),
    409: lazy_gettext("Someone changed this in the meantime. Reload the page and try again."),
    413: lazy_gettext("What was sent is too large."),
    429: lazy_gettext("This was tried too often. Please wait a while, then try again."),
}


def error_name(error: Any, code: int) -> str:
    """The error's name in the visitor's language, e.g. "Not Found", « Page introuvable »."""
    name = ERROR_NAMES.get(code)
    if name is not None:
        return str(name)
    return str(getattr(error, "name", "") or gettext("Error"))


def error_description(error: Any, code: int) -> str:
    """What the view said (translated where it was marked), or a plain word for the code."""
    description = getattr(error, "description", None)
    if description is None or description == type(error).description:
        return str(ERROR_DESCRIPTIONS.get(code, ""))
    return translate(description)


# --- Reports --------------------------------------------------------------------------------

# What a report says is wrong, as moderators read it (stored as an English code).
REPORT_KINDS = {
    "no-longer-happens": lazy_gettext("no longer happens"),
    "wrong-time": lazy_gettext("wrong day or time"),
    "wrong-place": lazy_gettext("wrong place"),
    "other": lazy_gettext("other"),
}


def report_kind(kind: str) -> str:
    return _named(REPORT_KINDS, kind)


def _named(labels: Mapping[str, Any], code: str) -> str:
    """A stored English code in the visitor's language; an unknown code as it is."""
    name = labels.get(code)
    return str(name) if name is not None else code
