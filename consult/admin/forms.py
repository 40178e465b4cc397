"""Forms of the administration: an organisation, a person's roles and organisation."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, RadioField, SelectField, SelectMultipleField, StringField, widgets
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from consult.core.forms import Form
from consult.core.names import NameRule
from consult.core.once import OnceForm
from consult.core.templating import LEVEL_LABELS, ROLE_LABELS
from consult.organisations.models import FEDERAL_STATES, NAME_MAX_LENGTH


class OrganisationForm(OnceForm):
    name = StringField(
        _l("Name"),
        validators=[DataRequired(message=_l("Please give the organisation's name.")), NameRule(NAME_MAX_LENGTH)],
    )
    short_name = StringField(
        _l("Short name"), validators=[DataRequired(message=_l("Please give a short name.")), Length(max=20)]
    )
    state = SelectField(
        _l("Federal state"),
        choices=[SelectChoice("", _l("none (federal level)"))]
        + [SelectChoice(state, state) for state in FEDERAL_STATES],
    )
    level = RadioField(
        _l("Level"), choices=[SelectChoice(key, label) for key, label in LEVEL_LABELS.items()], default="state"
    )
    is_member = BooleanField(_l("Member organisation (its delegates comment and vote)"), default=True)
    contact_submits_only = BooleanField(
        _l("Only its contact persons submit its drafts (“Submit for the organisation”)")
    )
    vote_weight = IntegerField(
        _l("Vote weight (counts this many times where a draft weighs votes)"),
        default=1,
        validators=[
            InputRequired(message=_l("The vote weight is a whole number of at least 1.")),
            NumberRange(min=1, max=1000, message=_l("The vote weight is a whole number from 1 to 1000.")),
        ],
    )


class PersonForm(Form):
    roles = SelectMultipleField(
        _l("Roles"),
        choices=[SelectChoice(key, label) for key, label in ROLE_LABELS.items()],
        widget=widgets.ListWidget(prefix_label=False),
        option_widget=widgets.CheckboxInput(),
    )
    organisation = SelectField(_l("Organisation"))
    is_contact_person = BooleanField(_l("Contact person of the organisation (invites people to it)"))
