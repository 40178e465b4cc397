"""Who may start, change, agree to and submit an organisation's internal drafts, and change who submits.

Seeing them is `consult.workspace.queries.can_see_internal`; each rule here assumes the person sees the
internal draft (the views load it through `visible_to` first)."""

from __future__ import annotations

from datetime import datetime

from consult.accounts.models import Role
from consult.drafts.models import Draft, Phase
from consult.drafts.permissions import phase_is_open
from consult.organisations.models import Organisation
from consult.workspace.models import InternalDraft, InternalStatus
from consult.workspace.queries import can_see_internal


def can_start_internal(user, draft: Draft, now: datetime) -> bool:
    """Delegates of an active member organisation, while commenting is open (what they prepare is a comment
    or an amendment, which can only be submitted then)."""
    return can_see_internal(user, draft) and phase_is_open(draft, Phase.COMMENTING, now)


def can_work_on(user, internal: InternalDraft, draft: Draft, now: datetime) -> bool:
    """Edit, agree, discard: any colleague, while the internal draft is open and commenting is open."""
    return (
        internal.status == InternalStatus.OPEN
        and internal.organisation_id == user.organisation_id
        and can_start_internal(user, draft, now)
    )


def may_submit_for(user, organisation: Organisation) -> bool:
    """Whether the organisation lets this person submit for it: any delegate, or with
    `contact_submits_only` only its contact persons."""
    return not organisation.contact_submits_only or bool(user.is_contact_person)


def can_submit_internal(user, internal: InternalDraft, draft: Draft, now: datetime) -> bool:
    """ "Für die Organisation einreichen": a colleague who may submit for the organisation (`may_submit_for`),
    while the internal draft is open and commenting is open."""
    return can_work_on(user, internal, draft, now) and may_submit_for(user, internal.organisation)


def can_set_who_submits(user, organisation: Organisation) -> bool:
    """The organisation's contact person (on the workspace page), or an admin (on the organisation's admin
    page)."""
    if not user.is_authenticated:
        return False
    return user.has_role(Role.ADMIN) or (bool(user.is_contact_person) and user.organisation_id == organisation.id)
