"""The question watchers get: "Is Open Coffee still happening at Café X: Every Thursday…?"."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l

from meetups.accounts import tokens
from meetups.extensions import db
from meetups.freshness import asking
from meetups.mail import alerts
from meetups.mail.compose import link, queue_message
from meetups.models import Meetup, User


def ask_confirmations(now: datetime) -> tuple[int, int]:
    """Queue the questions and escalations due now, in one transaction; running it again
    queues nothing twice. Returns (meetups asked about, meetups escalated)."""
    config = current_app.config
    found = asking.due(
        db.session,
        now,
        confirm_after=timedelta(days=config["CONFIRM_AFTER_DAYS"]),
        escalate_after=timedelta(days=config["ESCALATE_AFTER_DAYS"]),
    )
    escalated = 0
    for meetup in found.ask:
        people = asking.watchers(db.session, meetup)
        asking.asked(db.session, meetup, now)
        for person in people:
            _ask(person, meetup)
        if not people:  # nobody to ask: the moderators at once
            _escalate(meetup, now)
            escalated += 1
    for meetup in found.escalate:
        _escalate(meetup, now)
        escalated += 1
    db.session.commit()
    return len(found.ask), escalated


def _escalate(meetup: Meetup, now: datetime) -> None:
    alerts.nobody_confirmed(db.session, meetup.name, meetup.slug)
    asking.escalated(db.session, meetup, now)


def _ask(person: User, meetup: Meetup) -> None:
    token = tokens.listing_token(current_app.config["SECRET_KEY"], person.id, meetup.id)
    queue_message(
        db.session,
        to=person.email,
        language=person.language,
        template="still_happening",
        subject=_l("Is %(meetup)s still happening?", meetup=meetup.name),
        unsubscribe_user=person,
        meetup=meetup.name,
        venue=meetup.venue.name,
        schedule=meetup.schedule,
        yes_url=link("freshness.answer", person.language, token=token),
        changed_url=link("editing.edit_meetup", person.language, slug=meetup.slug),
    )
