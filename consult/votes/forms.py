"""The vote form: each button sends `vote=<paragraph id or "whole">:<choice>`."""
from __future__ import annotations

from wtforms import StringField
from wtforms.validators import DataRequired, Regexp

from consult.core.forms import Form

VOTE_VALUE = r"^(\d+|whole):(yes|no|abstain)$"


class VoteForm(Form):
    vote = StringField(validators=[DataRequired(), Regexp(VOTE_VALUE)])

    def question_and_choice(self) -> tuple[int | None, str]:
        key, choice = self.vote.data.split(":")
        return (None if key == "whole" else int(key)), choice
