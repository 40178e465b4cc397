"""The vote form: each button sends `vote=<question>:<choice>`, the question being a paragraph id,
"whole" (the whole draft) or "a<id>" (an amendment put to the vote)."""

from __future__ import annotations

from wtforms import HiddenField, StringField, ValidationError
from wtforms.validators import DataRequired, Optional, Regexp

from consult.core.inputs import database_id
from consult.core.once import OnceForm

VOTE_VALUE = r"^(\d+|whole|a\d+):(yes|no|abstain)$"
# Where a plain (non-htmx) vote goes back to: the draft page (default), the amendment's own page, or the
# delegate's page of the live session.
BACK_TO = ("draft", "amendment", "live")


class VoteForm(OnceForm):
    class Meta:
        # CSRFProtect checks the token of every POST before the view runs (and the form's own
        # check would then be skipped); without this the form would sign a new token for the
        # hidden field of a form that the vote answer never renders.
        csrf = False

    vote = StringField(validators=[DataRequired(), Regexp(VOTE_VALUE)])
    # Two fixed targets, not a URL: nothing here can send the person elsewhere.
    back = HiddenField(validators=[Optional()])

    def validate_vote(self, field):
        """An id beyond the database's range names no paragraph and no amendment."""
        key = (field.data or "").partition(":")[0].removeprefix("a")
        if key.isdigit() and database_id(key) is None:
            raise ValidationError("no such question")

    def validate_back(self, field):
        if field.data and field.data not in BACK_TO:
            raise ValidationError("no such page")

    def question(self) -> tuple[int | None, int | None, str]:
        """(paragraph id, amendment id, choice): both ids None for the whole draft."""
        key, choice = self.vote.data.split(":")
        if key.startswith("a"):
            return None, int(key[1:]), choice
        return (None if key == "whole" else int(key)), None, choice
