"""The vote form: each button sends `vote=<paragraph id or "whole">:<choice>`."""
from __future__ import annotations

from wtforms import StringField, ValidationError
from wtforms.validators import DataRequired, Regexp

from consult.core.inputs import database_id
from consult.core.once import OnceForm

VOTE_VALUE = r"^(\d+|whole):(yes|no|abstain)$"


class VoteForm(OnceForm):
    class Meta:
        # CSRFProtect checks the token of every POST before the view runs (and the form's own
        # check would then be skipped); without this the form would sign a new token for the
        # hidden field of a form that the vote answer never renders.
        csrf = False

    vote = StringField(validators=[DataRequired(), Regexp(VOTE_VALUE)])

    def validate_vote(self, field):
        """A paragraph id beyond the database's range names no paragraph."""
        key = (field.data or "").partition(":")[0]
        if key.isdigit() and database_id(key) is None:
            raise ValidationError("no such paragraph")

    def question_and_choice(self) -> tuple[int | None, str]:
        key, choice = self.vote.data.split(":")
        return (None if key == "whole" else int(key)), choice
