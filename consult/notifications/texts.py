"""What a notification says, in one place: the immediate e-mail and the daily digest both call `describe()`,
inside the recipient's language (consult.mail.services.render_mail), from the notification's kind and params.

Params are plain JSON values written when the event happened (a draft's title, an amendment's number, an
organisation's name), so that a text in a digest a day later still reads as it did; the phase and the
decision are stored as their values and named here, in the reader's language."""

from __future__ import annotations

from datetime import datetime

from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from consult.core.templating import labels
from consult.notifications.models import Notification, NotificationKind, Topic

# The settings' words, also on the unsubscribe page ("Antworten auf meine Kommentare: aus").
TOPIC_LABELS = {
    Topic.REPLIES: _l("Replies to my comments"),
    Topic.AMENDMENTS: _l("My organisation's amendments: supported, recommended, decided, commented"),
    Topic.PHASES: _l("Phases and deadlines of drafts"),
    Topic.INTERNAL: _l("Internal drafts of my organisation waiting for my agreement"),
}
# Headings of the digest's groups, one per kind.
KIND_HEADINGS = {
    NotificationKind.REPLY: _l("Replies to your comments"),
    NotificationKind.AMENDMENT_SUPPORTED: _l("Support for your organisation's amendments"),
    NotificationKind.AMENDMENT_RECOMMENDED: _l("Procedural recommendations"),
    NotificationKind.AMENDMENT_DECIDED: _l("Decisions on your organisation's amendments"),
    NotificationKind.AMENDMENT_COMMENTED: _l("Comments on your organisation's amendments"),
    NotificationKind.PHASE_STARTED: _l("New phases"),
    NotificationKind.DEADLINE_SOON: _l("Deadlines in the next 48 hours"),
    NotificationKind.AGREEMENT_WANTED: _l("Waiting for your agreement"),
}


def topic_label(topic: Topic | str) -> str:
    return str(TOPIC_LABELS[Topic(topic)])


def kind_heading(kind: NotificationKind | str) -> str:
    return str(KIND_HEADINGS[NotificationKind(kind)])


def _when(value: str | None) -> str:
    return format_datetime(datetime.fromisoformat(value), "short") if value else ""


def describe(notification: Notification) -> str:
    """One sentence saying what happened, in the current language."""
    p = notification.params or {}
    draft, num = p.get("draft", ""), p.get("amendment", 0)
    kind = NotificationKind(notification.kind)
    if kind == NotificationKind.REPLY:
        return _("%(name)s replied to your comment on “%(draft)s”.", name=p.get("name", ""), draft=draft)
    if kind == NotificationKind.AMENDMENT_SUPPORTED:
        return _(
            "%(organisation)s supports your organisation's amendment %(num)d to “%(draft)s”.",
            organisation=p.get("organisation", ""),
            num=num,
            draft=draft,
        )
    if kind == NotificationKind.AMENDMENT_RECOMMENDED:
        return _(
            "The office recommends for your organisation's amendment %(num)d to “%(draft)s”: %(what)s.",
            num=num,
            draft=draft,
            what=labels("recommendation").get(p.get("recommendation", ""), ""),
        )
    if kind == NotificationKind.AMENDMENT_DECIDED:
        return _(
            "Your organisation's amendment %(num)d to “%(draft)s” was decided: %(what)s.",
            num=num,
            draft=draft,
            what=labels("amendment_status").get(p.get("status", ""), ""),
        )
    if kind == NotificationKind.AMENDMENT_COMMENTED:
        return _(
            "%(name)s commented on your organisation's amendment %(num)d to “%(draft)s”.",
            name=p.get("name", ""),
            num=num,
            draft=draft,
        )
    if kind == NotificationKind.PHASE_STARTED:
        return _(
            "The draft “%(draft)s” is now in the phase “%(phase)s”.",
            draft=draft,
            phase=labels("phase").get(p.get("phase", ""), ""),
        )
    if kind == NotificationKind.DEADLINE_SOON:
        return _(
            "The phase “%(phase)s” of the draft “%(draft)s” ends on %(when)s.",
            draft=draft,
            phase=labels("phase").get(p.get("phase", ""), ""),
            when=_when(p.get("deadline")),
        )
    if p.get("by") and p.get("paragraph"):
        return _(
            "%(name)s asks for your agreement: your organisation's draft on § %(num)d of “%(draft)s”.",
            name=p["by"],
            num=p["paragraph"],
            draft=draft,
        )
    return _("An internal draft of your organisation on “%(draft)s” is waiting for your agreement.", draft=draft)
