"""The vote form: each button sends `vote=<paragraph id or "whole">:<choice>`."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Regexp

VOTE_VALUE = r"^(\d+|whole):(yes|no|abstain)$"


class VoteForm(FlaskForm):
    vote = StringField(validators=[DataRequired(), Regexp(VOTE_VALUE)])

    def question_and_choice(self) -> tuple[int | None, str]:
        key, choice = self.vote.data.split(":")
        return (None if key == "whole" else int(key)), choice
