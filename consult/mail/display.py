"""How /admin/outbox shows a message: its kind as a word, its state, and its text with clickable links.

The text of a message is plain text written for an e-mail client: on the page it stays plain text (every
character escaped), and only http(s) addresses become links, so that an admin can follow an invitation or
a reset in the demo. Nothing else in a body can become HTML: a `<script>` or a `javascript:` address that
someone typed into a name or a comment is shown as the characters it is."""

from __future__ import annotations

import re
from dataclasses import dataclass

from markupsafe import Markup, escape

from consult.core.i18n import lazy_gettext as _l
from consult.mail.models import OutboxMessage

# The mail templates (templates/mail/<name>.txt, OutboxMessage.template) in words; an unknown one shows its name.
KIND_LABELS = {
    "invitation": _l("Invitation"),
    "password_reset": _l("Password reset"),
    "reminder": _l("Reminder"),
    "notification": _l("Notification"),
    "digest": _l("Digest"),
}

# Mails about what happened to a person's own contributions and their organisation's internal drafts: the
# page shows who got one and in what state, not what it says. Such a mail may name an internal draft of an
# organisation ("… is waiting for your agreement"), which nobody outside that organisation may learn of by
# any page (consult.workspace), administrators included.
WITHHELD = frozenset({"notification", "digest"})

WAITING, FAILED, SENT = "waiting", "failed", "sent"
STATES = (WAITING, FAILED, SENT)

# An address starts with http:// or https:// and runs to the next space or character that cannot be in one
# unescaped; punctuation at its end belongs to the sentence ("… öffnen Sie diesen Link: https://…/t.").
_URL = re.compile(r"https?://[^\s<>\"'`]+", re.IGNORECASE)
_TRAILING = ".,;:!?)]}»“”’"


def kind_label(template: str | None) -> str:
    """The kind of a message in words: "Einladung"; an unknown template its own name; none "–"."""
    if not template:
        return "–"
    label = KIND_LABELS.get(template)
    return str(label) if label is not None else template


def state_of(message: OutboxMessage) -> str:
    """sent (the mail server, or the console, took it), failed (the last attempt failed; it is tried
    again), or waiting (not tried yet)."""
    if message.sent_at is not None:
        return SENT
    return FAILED if message.last_error else WAITING


def linked_text(text: str) -> Markup:
    """`text` escaped, with each http(s) address made a link to itself (nothing else becomes HTML)."""
    parts, end = [], 0
    for match in _URL.finditer(text):
        url = match.group(0)
        stripped = url.rstrip(_TRAILING)
        # A closing bracket that opened inside the address stays with it (…/Wiki_(Begriff)).
        while stripped != url and url[len(stripped)] == ")" and stripped.count("(") > stripped.count(")"):
            stripped += ")"
        url = stripped
        start = match.start()
        parts.append(escape(text[end:start]))
        parts.append(Markup('<a href="{0}" rel="nofollow noreferrer noopener">{0}</a>').format(url))
        end = start + len(url)
    parts.append(escape(text[end:]))
    return Markup("").join(parts)


def breakable_address(address: str) -> Markup:
    """An e-mail address, escaped, that a narrow column may break after its @ and before its dots
    (not in the middle of a word)."""
    return Markup("").join(
        Markup("<wbr>.") if part == "." else Markup("@<wbr>") if part == "@" else escape(part)
        for part in re.split(r"([.@])", address)
    )


@dataclass(frozen=True)
class MessageRow:
    """A message as the outbox page shows it."""

    message: OutboxMessage
    state: str
    kind: str

    @property
    def withheld(self) -> bool:
        """Subject and text are not shown (see WITHHELD)."""
        return self.message.template in WITHHELD

    @property
    def body_html(self) -> Markup:
        return linked_text(self.message.body)

    @property
    def recipient_html(self) -> Markup:
        return breakable_address(self.message.recipient)


def row(message: OutboxMessage) -> MessageRow:
    return MessageRow(message, state_of(message), kind_label(message.template))
