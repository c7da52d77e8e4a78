"""Forms volunteers fill in for meetups and single dates (Flask-WTF, CSRF on each)."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    URL,
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from meetups.models import MeetupChange
from meetups.schedule import Rule, Schedule, ScheduleError
from meetups.texts import N_

# Labels are translated when the form is shown, in the visitor's language.
WEEKDAYS = [
    SelectChoice(0, _l("Monday")),
    SelectChoice(1, _l("Tuesday")),
    SelectChoice(2, _l("Wednesday")),
    SelectChoice(3, _l("Thursday")),
    SelectChoice(4, _l("Friday")),
    SelectChoice(5, _l("Saturday")),
    SelectChoice(6, _l("Sunday")),
]
WEEKS_OF_MONTH = [
    SelectChoice(1, _l("First")),
    SelectChoice(2, _l("Second")),
    SelectChoice(3, _l("Third")),
    SelectChoice(4, _l("Fourth")),
    SelectChoice(-1, _l("Last")),
]
MAX_LINKS = 3
LINK = re.compile(r"https?://|www\.", re.IGNORECASE)
LANGUAGE = re.compile(r"^[a-z]{2,3}$")


class CheckboxesField(SelectMultipleField):
    """Weekdays as checkboxes: one tap each on a phone, no JavaScript."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def few_links(form: FlaskForm, field: StringField) -> None:
    """Spam is mostly links; a real description rarely needs more than a few."""
    if len(LINK.findall(field.data or "")) > MAX_LINKS:
        raise ValidationError(gettext("Please keep to at most %(count)d links.", count=MAX_LINKS))


class MeetupForm(FlaskForm):
    name = StringField(
        _l("Name"),
        validators=[
            DataRequired(_l("Give the meetup a name, e.g. “Open Coffee Lille”.")),
            Length(max=200),
        ],
    )
    description = TextAreaField(
        _l("Description (Markdown)"), validators=[Length(max=5000), few_links]
    )
    pattern = RadioField(
        _l("How often"),
        choices=[
            SelectChoice("weekly", _l("Every week, or every few weeks")),
            SelectChoice("monthly", _l("Once a month")),
        ],
        default="weekly",
    )
    weekdays = CheckboxesField(_l("On"), choices=WEEKDAYS, coerce=int)
    interval = IntegerField(
        _l("Every how many weeks"), default=1, validators=[NumberRange(min=1, max=12)]
    )
    week_of_month = SelectField(_l("Which week of the month"), choices=WEEKS_OF_MONTH, coerce=int)
    start_time = TimeField(
        _l("Starts at (local time)"),
        validators=[InputRequired(_l("Give the time it starts, e.g. 08:30."))],
    )
    duration_minutes = IntegerField(
        _l("Lasts (minutes)"), default=120, validators=[NumberRange(min=15, max=24 * 60)]
    )
    first_date = DateField(
        _l("From"), validators=[InputRequired(_l("Give the first date it meets."))]
    )
    end_date = DateField(_l("Until (optional)"), validators=[Optional()])
    tags = StringField(_l("Topics (comma-separated)"), validators=[Length(max=200)])
    languages = StringField(_l("Languages (codes, e.g. fr, en)"), validators=[Length(max=60)])
    url = StringField(_l("Website"), validators=[Optional(), URL(), Length(max=500)])
    version = HiddenField()

    def validate_languages(self, field: StringField) -> None:
        codes = self.language_codes()
        if any(not LANGUAGE.match(code) for code in codes):
            raise ValidationError(
                gettext("Use two- or three-letter language codes, e.g. “fr, en”.")
            )

    def language_codes(self) -> list[str]:
        return [c.strip().lower() for c in (self.languages.data or "").split(",") if c.strip()]

    def tag_names(self) -> list[str]:
        names = [t.strip() for t in (self.tags.data or "").split(",") if t.strip()]
        return list(dict.fromkeys(names))[:10]

    def rule(self) -> Rule:
        """The schedule the volunteer picked; raises ScheduleError with a readable message."""
        weekdays = tuple(self.weekdays.data or ())
        if not weekdays:
            raise ScheduleError(N_("Pick the day(s) of the week."))
        if self.pattern.data == "monthly":
            if len(weekdays) != 1:
                raise ScheduleError(
                    N_("A monthly meetup happens on one day of the week: pick one.")
                )
            return Rule("MONTHLY", weekdays, week_of_month=self.week_of_month.data)
        return Rule("WEEKLY", weekdays, interval=self.interval.data or 1)

    def schedule(self, timezone: str) -> Schedule:
        return Schedule(
            rule=self.rule(),
            start_time=self.start_time.data,
            duration=timedelta(minutes=self.duration_minutes.data),
            timezone=timezone,
            first_date=self.first_date.data,
            end_date=self.end_date.data,
        )


class DateChangeForm(FlaskForm):
    """Cancel one date, or move it to another time, day or venue.

    Nothing is chosen beforehand: a volunteer who came to move a date and saved
    at once must not cancel it by mistake.
    """

    action = RadioField(
        _l("This date"),
        choices=[
            SelectChoice("cancel", _l("Cancel it")),
            SelectChoice("move", _l("Move it")),
            SelectChoice("restore", _l("As usual")),
        ],
        validators=[InputRequired(message=_l("Choose what happens to this date."))],
    )
    new_date = DateField(_l("New day (optional)"), validators=[Optional()])
    new_start_time = TimeField(_l("New start time (optional)"), validators=[Optional()])
    new_end_time = TimeField(
        _l("New end time (optional; the next day if not after the start)"),
        validators=[Optional()],
    )
    venue = StringField(
        _l("Another venue this time (its name, optional)"), validators=[Length(max=200)]
    )
    note = StringField(_l("Note for people (optional)"), validators=[Length(max=500), few_links])

    def show_move(self, change: MeetupChange, usual_start: time) -> None:
        """Start from the move saved for this date, so that editing it keeps what it says."""
        self.action.data = "move"
        self.new_date.data = change.new_date
        self.new_start_time.data = change.new_start_time
        if change.new_duration_minutes is not None:
            start = datetime.combine(date.min, change.new_start_time or usual_start)
            self.new_end_time.data = (start + timedelta(minutes=change.new_duration_minutes)).time()
        self.venue.data = f"v/{change.venue.slug}" if change.venue else ""
        self.note.data = change.note

    def new_length(self, usual_start: time) -> int | None:
        """Minutes from the date's start to the end typed, on the wall clock; None: as usual.

        An end not after the start is the next day's: "23:30 to 02:30", or 24 hours.
        """
        if self.new_end_time.data is None:
            return None
        start = datetime.combine(date.min, self.new_start_time.data or usual_start)
        minutes = (datetime.combine(date.min, self.new_end_time.data) - start) // timedelta(
            minutes=1
        )
        return minutes % (24 * 60) or 24 * 60


class ReportForm(FlaskForm):
    """Anyone can say a listing is wrong; the hidden field catches form-filling robots."""

    kind = RadioField(
        _l("What is wrong?"),
        choices=[
            SelectChoice("no-longer-happens", _l("It no longer happens")),
            SelectChoice("wrong-time", _l("The day or time is wrong")),
            SelectChoice("wrong-place", _l("The place is wrong")),
            SelectChoice("other", _l("Something else")),
        ],
        validators=[DataRequired(message=_l("Pick what is wrong."))],
    )
    message = TextAreaField(_l("Details (optional)"), validators=[Length(max=2000), few_links])
    website = StringField(_l("Leave this empty"), validators=[Length(max=0, message="")])


class ResolveReportForm(FlaskForm):
    resolution = StringField(_l("What was done (optional)"), validators=[Length(max=500)])


class VenueForm(FlaskForm):
    """A place: its address is geocoded; coordinates typed here win over the geocoder."""

    name = StringField(
        _l("Name"),
        validators=[
            DataRequired(_l("Give the venue’s name, e.g. “Café Central”.")),
            Length(max=200),
        ],
    )
    address = StringField(_l("Address"), validators=[Length(max=300)])
    notes = TextAreaField(
        _l("Practical notes (wifi, power, quiet corner…)"), validators=[Length(max=2000), few_links]
    )
    latitude = StringField(_l("Latitude (optional, e.g. 48.8566)"), validators=[Length(max=30)])
    longitude = StringField(_l("Longitude (optional, e.g. 2.3522)"), validators=[Length(max=30)])
    version = HiddenField()

    def manual_coordinates(self) -> tuple[float, float] | None:
        """Typed coordinates, or None; ValueError with a readable message when half-typed."""
        lat, lon = (self.latitude.data or "").strip(), (self.longitude.data or "").strip()
        if not lat and not lon:
            return None
        if not lat or not lon:
            raise ValueError(gettext("Type both latitude and longitude, or neither."))
        try:
            return float(lat.replace(",", ".")), float(lon.replace(",", "."))
        except ValueError:
            raise ValueError(
                gettext("Latitude and longitude must be numbers, e.g. 48.8566.")
            ) from None
