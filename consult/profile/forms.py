"""Forms of the own-account page."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, SelectField, StringField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Length

from consult.accounts.forms import LANGUAGES
from consult.accounts.models import NAME_MAX_LENGTH
from consult.core.forms import Form
from consult.core.names import NameRule


class NameForm(Form):
    name = StringField(
        _l("Name"),
        validators=[
            DataRequired(message=_l("Please give your name (at most 120 characters).")),
            NameRule(NAME_MAX_LENGTH),
        ],
        render_kw={"autocomplete": "name"},
    )


class PasswordForm(Form):
    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired(message=_l("Please enter your current password.")), Length(max=1024)],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = PasswordField(
        _l("New password (at least 10 characters)"),
        validators=[DataRequired(message=_l("Please enter a new password.")), Length(max=1024)],
        render_kw={"autocomplete": "new-password"},
    )
    repeat_password = PasswordField(
        _l("New password again"),
        validators=[DataRequired(message=_l("Please enter the new password a second time.")), Length(max=1024)],
        render_kw={"autocomplete": "new-password"},
    )


class AccountLanguageForm(Form):
    language = SelectField(_l("Language"), choices=[SelectChoice(code, name) for code, name in LANGUAGES])


class DeleteForm(Form):
    password = PasswordField(
        _l("Your password, to confirm"),
        validators=[DataRequired(message=_l("Please enter your password to confirm.")), Length(max=1024)],
        render_kw={"autocomplete": "current-password"},
    )
