"""Forms: ask for a reset link; choose a new password."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from consult.accounts.services import MIN_PASSWORD_LENGTH
from consult.core.forms import Form


class ForgotForm(Form):
    email = EmailField(
        _l("E-mail"),
        validators=[DataRequired(message=_l("Please enter your e-mail address.")), Length(max=254)],
        render_kw={"autocomplete": "username", "autofocus": True},
    )


class NewPasswordForm(Form):
    password = PasswordField(
        _l("New password (at least %(num)d characters)", num=MIN_PASSWORD_LENGTH),
        validators=[
            DataRequired(message=_l("Please choose a password.")),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=1024,
                message=_l("The password needs at least %(num)d characters.", num=MIN_PASSWORD_LENGTH),
            ),
        ],
        render_kw={"autocomplete": "new-password", "autofocus": True},
    )
    confirm = PasswordField(
        _l("New password again"),
        validators=[EqualTo("password", message=_l("The two passwords are not the same."))],
        render_kw={"autocomplete": "new-password"},
    )
