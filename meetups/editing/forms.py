"""Forms volunteers fill in for meetups and single dates (Flask-WTF, CSRF on each)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import time, timedelta

from babel import Locale
from flask_babel import get_locale, gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    Field,
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
    StopValidation,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from meetups.models import MeetupChange
from meetups.schedule import Rule, Schedule, ScheduleError, wall_clock_end, wall_clock_length
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
# Offered as checkboxes; a meetup's other languages (from the API or older data) join them.
COMMON_LANGUAGES = (
    "ar",
    "de",
    "en",
    "es",
    "fr",
    "hi",
    "it",
    "ja",
    "nl",
    "pl",
    "pt",
    "ru",
    "sv",
    "tr",
    "uk",
    "zh",
)


class CheckboxesField(SelectMultipleField):
    """Weekdays as checkboxes: one tap each on a phone, no JavaScript."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class LanguagesField(CheckboxesField):
    """Languages as checkboxes; a code not offered (a hand-made post) is refused in words,
    not with the typed value echoed back."""

    def pre_validate(self, form: FlaskForm) -> None:
        offered = {choice.value for choice in self.choices or ()}
        if any(code not in offered for code in self.data or ()):
            raise ValidationError(gettext("Pick the languages from the list."))


def few_links(form: FlaskForm, field: StringField) -> None:
    """Spam is mostly links; a real description rarely needs more than a few."""
    if len(LINK.findall(field.data or "")) > MAX_LINKS:
        raise ValidationError(gettext("Please keep to at most %(count)d links.", count=MAX_LINKS))


def for_pattern(pattern: str) -> Callable[[FlaskForm, Field], None]:
    """A field of one kind of schedule only: what the others' fields hold is not checked,
    since without JavaScript they stay on the page, filled or not."""

    def check(form: FlaskForm, field: Field) -> None:
        if form.pattern.data != pattern:
            field.errors[:] = []
            raise StopValidation()

    return check


def language_choices(codes: Iterable[str]) -> list[SelectChoice]:
    """The common languages and any the meetup already has, named in the visitor's
    language ("French" or « français »), in that language's alphabetical order."""
    names = Locale.parse(get_locale() or "en").languages
    offered = dict.fromkeys([*COMMON_LANGUAGES, *codes])
    choices = [SelectChoice(code, _capitalised(names.get(code, code))) for code in offered]
    return sorted(choices, key=lambda choice: choice.label.casefold())


def _capitalised(name: str) -> str:
    """A language's name alone in a list starts with a capital, even where the language
    writes it in lower case in a sentence (« français »)."""
    return name[:1].upper() + name[1:]


class MeetupForm(FlaskForm):
    """A meetup and its schedule: the kind of schedule first, then only its own fields
    matter; start and end as people say them ("23:30 to 02:30")."""

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
            SelectChoice("weekly", _l("Every week")),
            SelectChoice("weeks", _l("Every few weeks")),
            SelectChoice("monthly", _l("Once a month")),
        ],
        default="weekly",
        validators=[InputRequired(_l("Choose how often it meets."))],
    )
    weekdays = CheckboxesField(_l("On"), choices=WEEKDAYS, coerce=int)
    interval = IntegerField(
        _l("Every how many weeks"),
        default=2,
        validators=[
            for_pattern("weeks"),
            InputRequired(_l("Say every how many weeks it meets, e.g. 2.")),
            NumberRange(
                min=2, max=12, message=_l("Every 2 to 12 weeks; for every week, pick “Every week”.")
            ),
        ],
    )
    week_of_month = SelectField(_l("Which week of the month"), choices=WEEKS_OF_MONTH, coerce=int)
    month_weekday = SelectField(_l("Which day"), choices=WEEKDAYS, coerce=int, default=0)
    start_time = TimeField(
        _l("Starts at (local time)"),
        validators=[InputRequired(_l("Give the time it starts, e.g. 08:30."))],
    )
    end_time = TimeField(
        _l("Ends at (local time)"),
        validators=[InputRequired(_l("Give the time it ends, e.g. 10:30."))],
    )
    first_date = DateField(
        _l("From"), validators=[InputRequired(_l("Give the first date it meets."))]
    )
    end_date = DateField(_l("Until (optional)"), validators=[Optional()])
    tags = StringField(_l("Topics (comma-separated)"), validators=[Length(max=200)])
    languages = LanguagesField(_l("Languages spoken"))
    url = StringField(_l("Website"), validators=[Optional(), URL(), Length(max=500)])
    version = HiddenField()

    def offer_languages(self, codes: Iterable[str] = ()) -> None:
        """The list to pick from: the common languages, plus those the meetup has."""
        self.languages.choices = language_choices(codes)

    def language_codes(self) -> list[str]:
        return [code for code in self.languages.data or () if LANGUAGE.match(code)]

    def tag_names(self) -> list[str]:
        names = [t.strip() for t in (self.tags.data or "").split(",") if t.strip()]
        return list(dict.fromkeys(names))[:10]

    def rule(self) -> Rule:
        """The schedule the volunteer picked; raises ScheduleError with a readable message."""
        if self.pattern.data == "monthly":
            nth = self.week_of_month.data
            return Rule("MONTHLY", (self.month_weekday.data,), week_of_month=nth)
        weekdays = tuple(self.weekdays.data or ())
        if not weekdays:
            raise ScheduleError(N_("Pick the day(s) of the week."))
        # A wrong number is said on its own field, once: the rule does not say it again.
        weeks = self.pattern.data == "weeks" and not self.interval.errors
        return Rule("WEEKLY", weekdays, interval=(self.interval.data or 1) if weeks else 1)

    def schedule(self, timezone: str) -> Schedule:
        return Schedule(
            rule=self.rule(),
            start_time=self.start_time.data,
            duration=wall_clock_length(self.start_time.data, self.end_time.data),
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
            length = timedelta(minutes=change.new_duration_minutes)
            self.new_end_time.data = wall_clock_end(change.new_start_time or usual_start, length)
        self.venue.data = f"v/{change.venue.slug}" if change.venue else ""
        self.note.data = change.note

    def new_length(self, usual_start: time) -> int | None:
        """Minutes from the date's start to the end typed, on the wall clock; None: as usual.

        An end not after the start is the next day's: "23:30 to 02:30", or 24 hours.
        """
        if self.new_end_time.data is None:
            return None
        length = wall_clock_length(self.new_start_time.data or usual_start, self.new_end_time.data)
        return length // timedelta(minutes=1)


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
