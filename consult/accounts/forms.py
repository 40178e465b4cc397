"""Sign-in forms (password, two-factor code); the language switch is a button-only form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Length

from consult.core.forms import Form


class LoginForm(Form):
    email = EmailField(
        _l("E-mail"),
        validators=[DataRequired(message=_l("Please enter your e-mail address.")), Length(max=254)],
        render_kw={"autocomplete": "username", "autofocus": True},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(message=_l("Please enter your password.")), Length(max=1024)],
        render_kw={"autocomplete": "current-password"},
    )
    next = HiddenField()


# The interface languages, each named in itself (the header's language switch lists them).
LANGUAGES = [("de", "Deutsch"), ("en", "English"), ("tr", "Türkçe"), ("ar", "العربية")]


class LanguageForm(Form):
    language = SelectField(_l("Language"), choices=[SelectChoice(code, name) for code, name in LANGUAGES])
    next = HiddenField()


class EmptyForm(Form):
    """CSRF protection for button-only posts."""


def _code_field(label):
    return StringField(
        label,
        validators=[DataRequired(message=_l("Please enter the six-digit code from your app.")), Length(max=20)],
        render_kw={
            "autocomplete": "one-time-code",
            "inputmode": "numeric",
            "pattern": "[0-9 ]*",
            "maxlength": 20,
            "spellcheck": "false",
        },
    )


class TwoFactorCodeForm(Form):
    """The second step of signing in, and switching two-factor sign-in on: one code."""

    code = _code_field(_l("Six-digit code"))


class TwoFactorOffForm(Form):
    """Switching two-factor sign-in off takes the password and a current code."""

    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(message=_l("Please enter your password.")), Length(max=1024)],
        render_kw={"autocomplete": "current-password"},
    )
    code = _code_field(_l("Six-digit code"))
