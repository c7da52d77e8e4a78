"""Forms for volunteer accounts: sign up, sign in, change password (CSRF on each)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, ValidationError

from meetups.accounts import passwords, volunteers
from meetups.models import AlertFrequency, User
from meetups.web.i18n import LANGUAGES, translate


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


def _plausible_email(form: FlaskForm, field: EmailField) -> None:
    if not volunteers.plausible_email(field.data or ""):
        raise ValidationError(gettext("Enter an email address like name@example.org."))


def _check_new_password(password: str, *, email: str, display_name: str) -> None:
    problem = passwords.password_problem(password, email=email, display_name=display_name)
    if problem:
        raise ValidationError(translate(problem))


class SignUpForm(FlaskForm):
    email = EmailField(
        _l("Email"),
        filters=[_strip],
        validators=[DataRequired(_l("Enter your email address.")), _plausible_email],
    )
    display_name = StringField(
        _l("Your name, as other volunteers will see it"),
        filters=[_strip],
        validators=[
            DataRequired(_l("Enter a name.")),
            Length(max=80, message=_l("Use at most 80 characters.")),
        ],
    )
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Choose a password."))])
    confirm = PasswordField(
        _l("Password again"),
        validators=[
            DataRequired(_l("Type the password again.")),
            EqualTo("password", _l("The two passwords are not the same.")),
        ],
    )
    next = HiddenField()

    def validate_password(self, field: PasswordField) -> None:
        _check_new_password(
            field.data, email=self.email.data or "", display_name=self.display_name.data or ""
        )


class AddressForm(FlaskForm):
    """Just an email: where to send a reset link, or the confirmation link again."""

    email = EmailField(
        _l("Email"),
        filters=[_strip],
        validators=[DataRequired(_l("Enter your email address.")), _plausible_email],
    )


class ButtonForm(FlaskForm):
    """A button that changes something: only its CSRF token to check."""


class ResetPasswordForm(FlaskForm):
    new_password = PasswordField(
        _l("New password"), validators=[DataRequired(_l("Choose a new password."))]
    )
    confirm = PasswordField(
        _l("New password again"),
        validators=[
            DataRequired(_l("Type the new password again.")),
            EqualTo("new_password", _l("The two new passwords are not the same.")),
        ],
    )

    def __init__(self, user: User, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.user = user

    def validate_new_password(self, field: PasswordField) -> None:
        _check_new_password(field.data, email=self.user.email, display_name=self.user.display_name)


class MailSettingsForm(FlaskForm):
    alerts = RadioField(
        _l("Alerts"),
        choices=[
            SelectChoice(AlertFrequency.IMMEDIATE.value, _l("At once")),
            SelectChoice(AlertFrequency.DAILY.value, _l("Once a day")),
            SelectChoice(AlertFrequency.NEVER.value, _l("Never")),
        ],
        validators=[InputRequired(_l("Choose how often."))],
    )
    language = SelectField(
        _l("Language of our messages"),
        choices=[SelectChoice(code, name) for code, name in LANGUAGES.items()],
        validators=[InputRequired(_l("Choose a language."))],
    )
    watch_own_edits = BooleanField(_l("Watch the venues and meetups I add or edit"))


class SignInForm(FlaskForm):
    email = EmailField(
        _l("Email"), filters=[_strip], validators=[DataRequired(_l("Enter your email."))]
    )
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password."))])
    remember = BooleanField(_l("Keep me signed in on this device"))
    next = HiddenField()


class ChangePasswordForm(ResetPasswordForm):
    """A reset's two new-password fields, after the current password."""

    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired(_l("Enter your current password."))]
    )

    def validate_current_password(self, field: PasswordField) -> None:
        if not passwords.password_matches(self.user.password_hash, field.data):
            raise ValidationError(gettext("This is not your current password."))

    def validate_new_password(self, field: PasswordField) -> None:
        if field.data == self.current_password.data:
            raise ValidationError(gettext("Choose a password different from your current one."))
        super().validate_new_password(field)
