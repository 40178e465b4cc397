"""Forms for amendments: propose or edit one, and a moderator's decision."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, RadioField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from consult.amendments.services import MAX_JUSTIFICATION, Decision
from consult.core.forms import Form
from consult.core.once import OnceForm

KINDS = [
    SelectChoice("replace", _l("Change the text of this paragraph")),
    SelectChoice("delete", _l("Delete this paragraph")),
    SelectChoice("insert", _l("Add a new paragraph after this one")),
]

DECISIONS = [
    SelectChoice(Decision.ACCEPT, _l("Accept")),
    SelectChoice(Decision.ACCEPT_MODIFIED, _l("Accept modified")),
    SelectChoice(Decision.REJECT, _l("Reject")),
    SelectChoice(Decision.MERGE, _l("Merged into another amendment")),
]


class AmendmentForm(OnceForm):
    kind = RadioField(
        _l("What do you propose?"),
        choices=KINDS,
        default="replace",
        validators=[DataRequired(message=_l("Please choose what you propose."))],
    )
    text = TextAreaField(_l("Proposed text"), validators=[Optional(), Length(max=20000)])
    justification = TextAreaField(
        _l("Justification"),
        validators=[DataRequired(message=_l("Please give a justification.")), Length(max=MAX_JUSTIFICATION)],
    )


class DecisionForm(Form):
    decision = RadioField(
        _l("Decision"), choices=DECISIONS, validators=[DataRequired(message=_l("Please choose a decision."))]
    )
    reason = TextAreaField(_l("Reason (the author's organisation reads it)"), validators=[Optional(), Length(max=5000)])
    adopted_text = TextAreaField(
        _l("Text as adopted (for “Accept modified”)"), validators=[Optional(), Length(max=20000)]
    )
    merged_into = IntegerField(_l("Number of the amendment it was merged into"), validators=[Optional()])
