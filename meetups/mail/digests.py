"""Pending alerts become messages: at once, or a daily digest, in each volunteer's language."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app
from flask_babel import LazyString, ngettext
from flask_babel import lazy_gettext as _l

from meetups.extensions import db
from meetups.mail import alerts
from meetups.mail.compose import page_link, queue_message
from meetups.models import AlertFrequency, PendingAlert, User
from meetups.places import names
from meetups.web.i18n import language, report_kind

SENTENCES = {
    alerts.REPORT: _l("New report on %(meetup)s: %(problem)s"),
    alerts.FIRST_EDIT: _l("%(name)s, a new volunteer, made a first edit: %(item)s"),
    alerts.UNCONFIRMED: _l("Nobody confirmed that %(meetup)s still happens: please check it"),
    alerts.CHANGED: _l("%(meetup)s, which you watch, was changed"),
    alerts.DELETED: _l("%(meetup)s, which you watch, was deleted"),
    alerts.REPORTED: _l("Someone reported a problem with %(meetup)s, which you watch: %(problem)s"),
    alerts.DATE_CANCELLED: _l("A date of %(meetup)s, which you watch, was cancelled"),
    alerts.DATE_MOVED: _l("A date of %(meetup)s, which you watch, was moved"),
    alerts.VENUE_CHANGED: _l("%(venue)s, which you watch, was changed"),
    alerts.VENUE_DELETED: _l("%(venue)s, which you watch, was deleted"),
}
# The same news for someone who watches the meetup's venue or city, named first.
SENTENCES_ABOUT_A_PLACE = {
    alerts.ADDED: _l("%(place)s, which you watch: %(meetup)s was added"),
    alerts.CHANGED: _l("%(place)s, which you watch: %(meetup)s was changed"),
    alerts.DATE_CANCELLED: _l("%(place)s, which you watch: a date of %(meetup)s was cancelled"),
    alerts.DATE_MOVED: _l("%(place)s, which you watch: a date of %(meetup)s was moved"),
    alerts.DELETED: _l("%(place)s, which you watch: %(meetup)s was deleted"),
    alerts.REPORTED: _l(
        "%(place)s, which you watch: someone reported a problem with %(meetup)s: %(problem)s"
    ),
}


def queue_due_alerts(now: datetime) -> int:
    """Queue one message for each volunteer whose alerts are due, each in a transaction of
    its own, so that of two workers only one sends them. Returns how many were queued."""
    queued = 0
    for user_id, found in alerts.due(db.session, now).items():
        user = db.session.get(User, user_id)
        lines = [(sentence(alert), alert.path) for alert in found]
        # A reporter's words are for the message, not its subject line.
        subject = sentence(found[0], words=False) if len(found) == 1 else None
        if not alerts.take(db.session, found):
            db.session.rollback()
            continue
        if user.alerts != AlertFrequency.NEVER:
            _queue(user, lines, subject)
            queued += 1
        db.session.commit()
    return queued


def sentence(alert: PendingAlert, words: bool = True) -> LazyString:
    """What happened, said in the language in force when it is turned into text; with
    `words`, what the person who reported it wrote, if anything."""
    return LazyString(_say, alert.kind, dict(alert.params), words)


def _say(kind: str, params: dict[str, Any], with_words: bool = True) -> str:
    params = dict(params)  # said again for each part of a message: its text and its HTML
    if "report_kind" in params:
        params["problem"] = report_kind(params.pop("report_kind"))
    words = params.pop("words", "")
    if words and with_words:
        return str(_l("%(news)s. They wrote: “%(words)s”")) % {
            "news": str(SENTENCES[kind]) % params,
            "words": words,
        }
    if "place" not in params:
        return str(SENTENCES[kind]) % params
    city_id = params.pop("city_id", None)
    if city_id is not None:
        params["place"] = names.city_name(city_id, params["place"], language())
    return str(SENTENCES_ABOUT_A_PLACE[kind]) % params


def _digest_subject(count: int, site: str) -> str:
    return ngettext(
        "%(num)d new thing to look at on %(site)s",
        "%(num)d new things to look at on %(site)s",
        count,
        site=site,
    )


def _queue(user: User, lines: list[tuple[LazyString, str]], subject: LazyString | None) -> None:
    """One message of `lines`; without a `subject`, a digest's ("3 new things…")."""
    if subject is None:
        subject = LazyString(_digest_subject, len(lines), current_app.config["SITE_NAME"])
    queue_message(
        db.session,
        to=user.email,
        language=user.language,
        template="alerts",
        subject=subject,
        unsubscribe_user=user,
        lines=[(text, page_link(path, user.language)) for text, path in lines],
        daily=user.alerts == AlertFrequency.DAILY,
    )
