"""The checks of an amendment's texts and of a moderator's choice on it, shared by proposals, decisions
(`services.decide`, where the moderation decides) and procedural recommendations (`procedure.recommend`,
where the organisations decide): one set of rules and messages, whichever way the choice then counts."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l

from consult.accounts.permissions import is_party_to, refuse_deciding
from consult.amendments.models import Amendment, AmendmentKind, AmendmentStatus
from consult.amendments.permissions import DECIDING_PHASES
from consult.core.markdown import MarkdownError, render_block
from consult.core.refusals import InvalidInput, NotAllowed, PhaseClosed
from consult.drafts.models import Draft

ACCEPT, ACCEPT_MODIFIED, REJECT, MERGE = "accept", "accept_modified", "reject", "merge"
CHOICES = (ACCEPT, ACCEPT_MODIFIED, REJECT, MERGE)
# Where a merge target can no longer take anything up.
CLOSED_TARGETS = (AmendmentStatus.WITHDRAWN, AmendmentStatus.REJECTED, AmendmentStatus.HIDDEN, AmendmentStatus.LAPSED)


def one_paragraph(text: str | None, empty, too_long, blank_lines) -> str:
    """`text` stripped, refused with the given messages when empty, too long, or more than one paragraph."""
    text = (text or "").strip().replace("\r\n", "\n")
    limit = current_app.config["MARKDOWN_MAX_LENGTH"]
    if not text:
        raise InvalidInput(empty)
    if "\n\n" in text:
        raise InvalidInput(blank_lines)
    try:
        render_block(text, max_length=limit)
    except MarkdownError:
        raise InvalidInput(too_long % {"max": limit}) from None
    return text


def modified_text(amendment: Amendment, adopted: str | None) -> str:
    """The text of "accept in modified form": one paragraph, and not the proposal unchanged."""
    adopted = one_paragraph(
        adopted,
        _l("Please write the text as it is adopted."),
        _l("The adopted text is too long (at most %(max)d characters)."),
        _l("The adopted text is one paragraph: please remove the empty lines."),
    )
    if adopted == (amendment.proposed_text or "").strip():
        raise InvalidInput(_l("The adopted text is the proposal unchanged: choose “Accept” instead."))
    return adopted


@dataclass(frozen=True)
class Choice:
    """A moderator's checked choice on an amendment: what it is, why, the modified text, the merge target."""

    what: str
    reason: str
    text: str | None = None
    merge_into_id: int | None = None


def check_choice(
    user,
    amendment: Amendment,
    draft: Draft,
    what: str,
    reason: str | None,
    text: str | None,
    merge_into: Amendment | None,
    closed,
) -> Choice:
    """The rules of a decision or a recommendation: who (`refuse_deciding`: not a moderator of the proposing
    organisation), a published amendment, the commenting or editing phase (`closed` is the message), a known
    choice, a reason except for plain acceptance (the proposing organisation reads it), a modified text
    (not for a deletion), and a merge target that is another open or accepted amendment of the draft and
    not the decider's own organisation's."""
    refuse_deciding(user, amendment)
    if not amendment.is_published:
        raise NotAllowed(_l("This amendment is still collecting support: it can be decided once it is published."))
    if draft.phase not in DECIDING_PHASES:
        raise PhaseClosed(closed)
    if what not in CHOICES:
        raise InvalidInput(_l("Please choose a decision."))
    reason = (reason or "").strip()
    if what != ACCEPT and not reason:
        raise InvalidInput(_l("Please give a reason: the author's organisation will read it."))
    if what == ACCEPT_MODIFIED:
        if amendment.kind == AmendmentKind.DELETE:
            raise InvalidInput(_l("A deletion is accepted or rejected as it is."))
        return Choice(what, reason, text=modified_text(amendment, text))
    if what == MERGE:
        if (
            merge_into is None
            or merge_into.id == amendment.id
            or merge_into.draft_id != amendment.draft_id
            or merge_into.status in CLOSED_TARGETS
        ):
            raise InvalidInput(_l("Please choose another open or accepted amendment of this draft to merge into."))
        if is_party_to(user, merge_into):
            raise NotAllowed(
                _l(
                    "The amendment to merge into comes from your own organisation: "
                    "another moderator decides this merge."
                )
            )
        return Choice(what, reason, merge_into_id=merge_into.id)
    return Choice(what, reason)
