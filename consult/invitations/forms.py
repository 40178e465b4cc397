"""Forms of invitations: invite one person, import a list, accept an invitation."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import EmailField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length
from wtforms.widgets import CheckboxInput, ListWidget

from consult.accounts.forms import LANGUAGES
from consult.accounts.models import NAME_MAX_LENGTH
from consult.accounts.services import MIN_PASSWORD_LENGTH
from consult.core.forms import Form
from consult.core.names import NameRule
from consult.core.once import OnceForm
from consult.core.templating import ROLE_LABELS

NO_ORGANISATION = 0


def _language_field(field_id: str):
    """Each form of the page has one, and the header its own: ids that differ keep the labels apart."""
    return SelectField(
        _l("Language of the e-mail and the account"),
        id=field_id,
        choices=[SelectChoice(code, name) for code, name in LANGUAGES],
        default="de",
    )


class InviteForm(OnceForm):
    email = EmailField(
        _l("E-mail"),
        validators=[DataRequired(message=_l("Please enter an e-mail address.")), Length(max=254)],
        render_kw={"autocomplete": "off"},
    )
    organisation = SelectField(_l("Organisation"), coerce=int)
    roles = SelectMultipleField(_l("Roles"), widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
    language = _language_field("invite-language")

    def fill(self, organisations, roles) -> None:
        """The choices this person may give."""
        self.organisation.choices = [SelectChoice(o.id, f"{o.name} ({o.short_name})") for o in organisations]
        if len(roles) > 1:  # admins may invite staff without an organisation
            self.organisation.choices.insert(0, SelectChoice(NO_ORGANISATION, _l("— no organisation —")))
        self.roles.choices = [SelectChoice(r.value, ROLE_LABELS[r.value]) for r in roles]
        if not self.roles.data and len(roles) == 1:
            self.roles.data = [roles[0].value]


class ImportForm(OnceForm):
    upload = FileField(
        _l("CSV file (columns: e-mail, organisation, role)"),
        validators=[
            FileRequired(message=_l("Please choose a CSV file.")),
            FileAllowed(["csv", "txt"], _l("Please choose a CSV file (.csv).")),
        ],
    )
    language = _language_field("import-language")


class AcceptForm(Form):
    name = StringField(
        _l("Your name (as others will see it)"),
        validators=[DataRequired(message=_l("Please enter your name.")), NameRule(NAME_MAX_LENGTH)],
        render_kw={"autocomplete": "name"},
    )
    password = PasswordField(
        _l("Password (at least %(num)d characters)", num=MIN_PASSWORD_LENGTH),
        validators=[
            DataRequired(message=_l("Please choose a password.")),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=1024,
                message=_l("The password needs at least %(num)d characters.", num=MIN_PASSWORD_LENGTH),
            ),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Password again"),
        validators=[EqualTo("password", message=_l("The two passwords are not the same."))],
        render_kw={"autocomplete": "new-password"},
    )
