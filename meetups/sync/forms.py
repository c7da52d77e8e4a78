"""The volunteer's form for linking a meetup to its own calendar."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField
from wtforms.validators import DataRequired, Length


class CalendarForm(FlaskForm):
    """The address, then (once read) the series picked from it."""

    url = StringField(
        _l("Address of the calendar (iCalendar, .ics)"),
        validators=[
            DataRequired(_l("Paste the calendar's address.")),
            Length(max=500, message=_l("At most %(max)d characters.")),
        ],
    )
    series = HiddenField()
