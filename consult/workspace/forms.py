"""Forms of the workspace: an internal comment or amendment (new or changed), an internal comment on it,
and the organisation's setting of who submits. The fields and their limits are those of the comment and
amendment forms, so that what is prepared here can be submitted as it is."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, IntegerField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from consult.amendments.forms import KINDS
from consult.amendments.services import MAX_JUSTIFICATION
from consult.comments.forms import STANCES
from consult.comments.services import MAX_BODY, MAX_QUOTE
from consult.core.forms import Form
from consult.core.once import OnceForm
from consult.workspace.services import MAX_NOTE


class InternalCommentForm(OnceForm):
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
    # The text revision the person started from (a change made since is a conflict, not overwritten).
    text_revision = IntegerField(validators=[Optional(), NumberRange(min=1)])


class InternalAmendmentForm(OnceForm):
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
    text_revision = IntegerField(validators=[Optional(), NumberRange(min=1)])


class NoteForm(OnceForm):
    body = TextAreaField(
        _l("Internal comment"), validators=[DataRequired(message=_l("Please write a comment.")), Length(max=MAX_NOTE)]
    )


class RevisionForm(Form):
    """A button that acts on the text as the person read it: agree, submit."""

    text_revision = HiddenField()


class WhoSubmitsForm(Form):
    contact_submits_only = BooleanField(_l("Only our contact persons submit for the organisation"))


def seen_revision(form) -> int | None:
    """The text revision a form was sent from, or None when missing or not a number."""
    value = form.text_revision.data
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None
