"""Who may propose, change, support, see and decide amendments."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from consult.accounts.permissions import can_decide_item, is_moderator, speaks_for_member_organisation
from consult.amendments.models import Amendment, AmendmentStatus
from consult.drafts.models import Draft, Phase
from consult.drafts.permissions import can_view_draft, phase_is_open

# Moderators decide amendments while the text is discussed or edited.
DECIDING_PHASES = (Phase.COMMENTING, Phase.EDITING)


def can_propose(user, draft: Draft, now: datetime) -> bool:
    """Delegates of active member organisations, on a draft they see, while commenting is open."""
    return (
        speaks_for_member_organisation(user)
        and can_view_draft(user, draft)
        and phase_is_open(draft, Phase.COMMENTING, now)
    )


def is_author(user, amendment: Amendment) -> bool:
    return user.is_authenticated and amendment.author_id == user.id


def can_change(user, amendment: Amendment, draft: Draft, now: datetime) -> bool:
    """Edit or withdraw: the author, until the amendment is decided, while commenting is open."""
    return (
        is_author(user, amendment)
        and amendment.status == AmendmentStatus.SUBMITTED
        and phase_is_open(draft, Phase.COMMENTING, now)
    )


def can_support(user, amendment: Amendment, draft: Draft, now: datetime) -> bool:
    """Delegates of other member organisations, until the amendment is decided, while commenting is open."""
    return (
        can_propose(user, draft, now)
        and amendment.status == AmendmentStatus.SUBMITTED
        and user.organisation_id != amendment.organisation_id
    )


def can_decide(user, amendment: Amendment, draft: Draft) -> bool:
    """Whoever `can_decide_item` allows (moderators outside the proposing organisation, else the board),
    while the amendment waits, is published (an amendment still collecting support is nobody's to decide
    yet) and the draft is in a deciding phase."""
    return (
        can_decide_item(user, amendment)
        and amendment.status == AmendmentStatus.SUBMITTED
        and amendment.is_published
        and draft.phase in DECIDING_PHASES
    )


def is_of_or_supported_by(user, amendment: Amendment) -> bool:
    """Does the person belong to the proposing organisation or to one that supports the amendment?"""
    org = getattr(user, "organisation_id", None) if user.is_authenticated else None
    return org is not None and (
        org == amendment.organisation_id or any(row.organisation_id == org for row in amendment.supports)
    )


def can_see_amendment(user, amendment: Amendment, linked: Collection[int] = ()) -> bool:
    """Who sees an amendment. The same rule as the query filter `consult.amendments.queries.visible_to`
    (keep the two together):

    - withdrawn and hidden amendments only their author and moderators;
    - an amendment still collecting support (supporter quorum, not yet published) only its author, the
      people of its own organisation and of the organisations that support it, and whoever opened its
      support link (`linked`: the amendments whose signed link this person opened, see
      `consult.amendments.quorum.held_links`; the link opens the amendment's own page and what hangs on
      it, not the lists). Nobody else, moderators and the board included: they cannot act on it yet;
    - the others whoever sees the draft."""
    if amendment.status in (AmendmentStatus.WITHDRAWN, AmendmentStatus.HIDDEN):
        if not (is_author(user, amendment) or is_moderator(user)):
            return False
    return (
        amendment.is_published
        or is_author(user, amendment)
        or is_of_or_supported_by(user, amendment)
        or amendment.id in linked
    )
