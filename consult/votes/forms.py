"""The vote form: one button per choice."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired

from consult.votes.models import Choice


class VoteForm(FlaskForm):
    paragraph_id = HiddenField()
    choice = RadioField(choices=[SelectChoice(c.value, c.value) for c in Choice], validators=[DataRequired()])
