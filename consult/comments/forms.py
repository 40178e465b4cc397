"""Forms for comments: a new comment (optionally on a passage), a reply, an edit."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, IntegerField, RadioField, StringField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from consult.comments.services import MAX_BODY, MAX_QUOTE
from consult.core.forms import Form
from consult.core.once import OnceForm

STANCES = [
    SelectChoice("support", _l("Support")),
    SelectChoice("concern", _l("Concern")),
    SelectChoice("neutral", _l("Neutral")),
]


class CommentForm(OnceForm):
    body = TextAreaField(
        _l("Comment text"), validators=[DataRequired(message=_l("Please write a comment.")), Length(max=MAX_BODY)]
    )
    stance = RadioField(
        _l("Stance"),
        choices=STANCES,
        default="neutral",
        validators=[DataRequired(message=_l("Please choose a stance."))],
    )
    quote = StringField(_l("Quoted passage (optional)"), validators=[Optional(), Length(max=MAX_QUOTE)])
    quote_start = IntegerField(validators=[Optional(), NumberRange(min=0)])
    parent_id = HiddenField()


class EditCommentForm(Form):
    body = TextAreaField(
        _l("Comment text"), validators=[DataRequired(message=_l("Please write a comment.")), Length(max=MAX_BODY)]
    )
    stance = RadioField(_l("Stance"), choices=STANCES, validators=[DataRequired()])
