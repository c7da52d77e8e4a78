"""Forms volunteers fill in for meetups and single dates (Flask-WTF, CSRF on each)."""

from __future__ import annotations

import re
from datetime import timedelta

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

from .schedule import Rule, Schedule, ScheduleError

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
WEEKDAYS = [SelectChoice(day, name) for day, name in enumerate(WEEKDAY_NAMES)]
WEEKS_OF_MONTH = [
    SelectChoice(week, name)
    for week, name in ((1, "First"), (2, "Second"), (3, "Third"), (4, "Fourth"), (-1, "Last"))
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
        raise ValidationError(f"Please keep to at most {MAX_LINKS} links.")


class MeetupForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    description = TextAreaField("Description (Markdown)", validators=[Length(max=5000), few_links])
    pattern = RadioField(
        "How often",
        choices=[
            SelectChoice("weekly", "Every week, or every few weeks"),
            SelectChoice("monthly", "Once a month"),
        ],
        default="weekly",
    )
    weekdays = CheckboxesField("On", choices=WEEKDAYS, coerce=int)
    interval = IntegerField(
        "Every how many weeks", default=1, validators=[NumberRange(min=1, max=12)]
    )
    week_of_month = SelectField("Which week of the month", choices=WEEKS_OF_MONTH, coerce=int)
    start_time = TimeField("Starts at (local time)", validators=[InputRequired()])
    duration_minutes = IntegerField(
        "Lasts (minutes)", default=120, validators=[NumberRange(min=15, max=24 * 60)]
    )
    first_date = DateField("From", validators=[InputRequired()])
    end_date = DateField("Until (optional)", validators=[Optional()])
    tags = StringField("Topics (comma-separated)", validators=[Length(max=200)])
    languages = StringField("Languages (codes, e.g. fr, en)", validators=[Length(max=60)])
    url = StringField("Website", validators=[Optional(), URL(), Length(max=500)])
    version = HiddenField()

    def validate_languages(self, field: StringField) -> None:
        codes = self.language_codes()
        if any(not LANGUAGE.match(code) for code in codes):
            raise ValidationError("Use two- or three-letter language codes, e.g. “fr, en”.")

    def language_codes(self) -> list[str]:
        return [c.strip().lower() for c in (self.languages.data or "").split(",") if c.strip()]

    def tag_names(self) -> list[str]:
        names = [t.strip() for t in (self.tags.data or "").split(",") if t.strip()]
        return list(dict.fromkeys(names))[:10]

    def rule(self) -> Rule:
        """The schedule the volunteer picked; raises ScheduleError with a readable message."""
        weekdays = tuple(self.weekdays.data or ())
        if not weekdays:
            raise ScheduleError("Pick the day(s) of the week.")
        if self.pattern.data == "monthly":
            if len(weekdays) != 1:
                raise ScheduleError("A monthly meetup happens on one day of the week: pick one.")
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
    """Cancel one date, or move it to another time, day or venue."""

    action = RadioField(
        "This date",
        choices=[
            SelectChoice("cancel", "Cancel it"),
            SelectChoice("move", "Move it"),
            SelectChoice("restore", "As usual"),
        ],
        default="cancel",
    )
    new_date = DateField("New day (optional)", validators=[Optional()])
    new_start_time = TimeField("New start time (optional)", validators=[Optional()])
    new_duration_minutes = IntegerField(
        "New length in minutes (optional)",
        validators=[Optional(), NumberRange(min=15, max=24 * 60)],
    )
    venue = StringField(
        "Other venue (its address on this site, optional)", validators=[Length(max=200)]
    )
    note = StringField("Note for people (optional)", validators=[Length(max=500), few_links])


class ReportForm(FlaskForm):
    """Anyone can say a listing is wrong; the hidden field catches form-filling robots."""

    kind = RadioField(
        "What is wrong?",
        choices=[
            SelectChoice("no-longer-happens", "It no longer happens"),
            SelectChoice("wrong-time", "The day or time is wrong"),
            SelectChoice("wrong-place", "The place is wrong"),
            SelectChoice("other", "Something else"),
        ],
        validators=[DataRequired(message="Pick what is wrong.")],
    )
    message = TextAreaField("Details (optional)", validators=[Length(max=2000), few_links])
    website = StringField("Leave this empty", validators=[Length(max=0, message="")])


class ResolveReportForm(FlaskForm):
    resolution = StringField("What was done (optional)", validators=[Length(max=500)])


class VenueForm(FlaskForm):
    """A place: its address is geocoded; coordinates typed here win over the geocoder."""

    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    address = StringField("Address", validators=[Length(max=300)])
    notes = TextAreaField(
        "Practical notes (wifi, power, quiet corner…)", validators=[Length(max=2000), few_links]
    )
    latitude = StringField("Latitude (optional, e.g. 48.8566)", validators=[Length(max=30)])
    longitude = StringField("Longitude (optional, e.g. 2.3522)", validators=[Length(max=30)])

    def manual_coordinates(self) -> tuple[float, float] | None:
        """Typed coordinates, or None; ValueError with a readable message when half-typed."""
        lat, lon = (self.latitude.data or "").strip(), (self.longitude.data or "").strip()
        if not lat and not lon:
            return None
        if not lat or not lon:
            raise ValueError("Type both latitude and longitude, or neither.")
        try:
            return float(lat.replace(",", ".")), float(lon.replace(",", "."))
        except ValueError:
            raise ValueError("Latitude and longitude must be numbers, e.g. 48.8566.") from None
