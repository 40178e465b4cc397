"""Forms of the board: a new draft, a draft's settings and deadlines."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField
from wtforms import BooleanField, DateTimeLocalField, IntegerField, RadioField, StringField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from consult.core.forms import Form
from consult.core.once import OnceForm

BERLIN = ZoneInfo("Europe/Berlin")
# The first is what browsers' datetime-local fields show and send; the others are accepted too.
LOCAL_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]


class NewDraftForm(OnceForm):
    title = StringField(
        _l("Title"), validators=[DataRequired(message=_l("Please give the draft a title.")), Length(max=200)]
    )
    slug = StringField(
        _l("Web address (e.g. teilhabegesetz-2027)"),
        validators=[DataRequired(message=_l("Please choose a web address.")), Length(max=80)],
    )
    markdown = TextAreaField(_l("Text (Markdown: one paragraph per block, # for headings)"), validators=[Optional()])
    upload = FileField(
        _l("… or a file: Word (.docx) or Markdown (.md)"),
        validators=[
            Optional(),
            FileAllowed(["docx", "md", "txt"], _l("Please choose a Word (.docx) or Markdown (.md) file.")),
        ],
    )


class SettingsForm(Form):
    title = StringField(
        _l("Title"), validators=[DataRequired(message=_l("Please give the draft a title.")), Length(max=200)]
    )
    is_public = BooleanField(_l("Public: guests can read it without signing in"))
    moderation_policy = RadioField(
        _l("New comments"),
        choices=[
            SelectChoice("publish", _l("are published at once")),
            SelectChoice("hold", _l("wait for the moderation")),
        ],
    )
    majority_rule = RadioField(
        _l("Majority needed"),
        choices=[
            SelectChoice("simple", _l("Simple majority: more yes than no")),
            SelectChoice("two_thirds", _l("Two thirds of the yes and no votes")),
        ],
    )
    weighted_votes = BooleanField(_l("Weigh votes by the organisations' vote weights (otherwise each counts once)"))
    appendix_shows_ballots = BooleanField(
        _l("Show in the appendix of the adopted position which organisation voted how")
    )
    commenting_ends = DateTimeLocalField(
        _l("Commenting ends (Berlin time)"), format=LOCAL_FORMATS, validators=[Optional()]
    )
    voting_ends = DateTimeLocalField(_l("Voting ends (Berlin time)"), format=LOCAL_FORMATS, validators=[Optional()])
    # How amendments are decided (issue 15): the procedure, the supporter quorum, the deadline for requests.
    amendment_procedure = RadioField(
        _l("Amendments"),
        default="moderators",
        choices=[
            SelectChoice("moderators", _l("Moderators decide")),
            SelectChoice("organisations", _l("Organisations vote")),
        ],
    )
    support_quorum = IntegerField(
        _l("Supporter quorum: how many other organisations must support an amendment before all can see it (0: none)"),
        default=0,
        validators=[Optional(), NumberRange(min=0, max=50, message=_l("Please give a supporter quorum from 0 to 50."))],
    )
    # The automatic reminder (consult.participation.services.send_automatic_reminders).
    reminder_days = IntegerField(
        _l(
            "Automatic reminder: how many days before the deadline of commenting or voting the organisations that "
            "have not responded are reminded (empty: none)"
        ),
        validators=[Optional(), NumberRange(min=1, max=60, message=_l("Please give a number of days from 1 to 60."))],
    )
    vote_requests_until = DateTimeLocalField(
        _l(
            "Organisations can ask for a vote on amendments recommended for acceptance until (Berlin time; "
            "empty: until voting begins)"
        ),
        format=LOCAL_FORMATS,
        validators=[Optional()],
    )


def berlin_local(moment: datetime | None) -> datetime | None:
    """A stored (UTC) moment as the naive Berlin wall time a datetime-local field shows."""
    return moment.astimezone(BERLIN).replace(tzinfo=None) if moment else None


def from_berlin(local: datetime | None) -> datetime | None:
    """The wall time typed in Berlin as an aware moment."""
    return local.replace(tzinfo=BERLIN) if local else None
