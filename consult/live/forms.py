"""The forms of the live session pages: plain posts with Flask-WTF's CSRF token."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, IntegerField, RadioField, StringField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

from consult.core.forms import Form
from consult.votes.forms import VOTE_VALUE


class MoveForm(Form):
    direction = RadioField(choices=[("up", "up"), ("down", "down")], validators=[InputRequired()])


class OpenForm(Form):
    countdown = IntegerField(
        _l("Countdown in minutes (optional)"), validators=[Optional(), NumberRange(min=1, max=120)]
    )


class ReopenForm(Form):
    reason = TextAreaField(
        _l("Reason for reopening"),
        validators=[DataRequired(message=_l("Please give a reason for reopening the question.")), Length(max=500)],
    )


class CheckInForm(Form):
    # Empty: the person's own organisation; the office names the organisation it ticks.
    organisation_id = HiddenField(validators=[Optional()])


class QuorumForm(Form):
    number = IntegerField(_l("Quorum"), validators=[InputRequired(), NumberRange(min=0, max=100000)])
    is_share = BooleanField(_l("Share of the member organisations in percent (otherwise a number of organisations)"))
    proxy_limit = IntegerField(
        _l("Votes of other organisations one organisation may hold (proxies)"),
        validators=[Optional(), NumberRange(min=0, max=1000)],
    )


class ProxyForm(Form):
    """A delegate hands their organisation's vote to another organisation (its id, read by `database_id`)."""

    holder_id = StringField(_l("Organisation that votes for yours"), validators=[DataRequired()])


class ProxyVoteForm(Form):
    """The holder's delegate votes for the giving organisation: `vote` as on the vote form
    (`consult.votes.forms.VOTE_VALUE`), `organisation_id` the giver."""

    vote = StringField(validators=[DataRequired(), Regexp(VOTE_VALUE)])
    organisation_id = HiddenField(validators=[DataRequired()])


class PaperForm(Form):
    """A paper ballot: the question it was entered for (the open one when the page was shown), the organisation
    and its choice. The question is named so that a ballot typed while the chair moved on is refused, not
    counted for the next question."""

    item_id = HiddenField(validators=[DataRequired()])
    organisation_id = HiddenField(validators=[DataRequired(message=_l("Please choose the organisation."))])
    choice = RadioField(
        choices=[SelectChoice("yes", "yes"), SelectChoice("no", "no"), SelectChoice("abstain", "abstain")],
        validators=[InputRequired(message=_l("Please choose Yes, No or Abstain."))],
    )
