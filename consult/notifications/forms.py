"""The notification settings form, and the unsubscribe page's button."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, RadioField
from wtforms.fields import SelectChoice

from consult.core.forms import Form
from consult.notifications.models import NotificationMode, Topic
from consult.notifications.texts import TOPIC_LABELS


class SettingsForm(Form):
    mode = RadioField(
        _l("E-mail me"),
        choices=[
            SelectChoice(NotificationMode.OFF.value, _l("Off: no e-mail")),
            SelectChoice(NotificationMode.IMMEDIATE.value, _l("At once: one e-mail for each event")),
            SelectChoice(NotificationMode.DAILY.value, _l("Once a day: one summary of everything since the last one")),
        ],
        default=NotificationMode.OFF.value,
        validate_choice=True,
    )
    replies = BooleanField(TOPIC_LABELS[Topic.REPLIES])
    amendments = BooleanField(TOPIC_LABELS[Topic.AMENDMENTS])
    phases = BooleanField(TOPIC_LABELS[Topic.PHASES])
    internal = BooleanField(TOPIC_LABELS[Topic.INTERNAL])

    def topics(self) -> list[Topic]:
        return [topic for topic in Topic if self[topic.value].data]
