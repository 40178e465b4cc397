"""Who takes part on behalf of an organisation, and who may decide what comes from one."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from consult.accounts.models import Role
from consult.accounts.queries import moderator_organisations
from consult.core.refusals import NotAllowed


def speaks_for_member_organisation(user) -> bool:
    """A signed-in delegate whose organisation is an active member: only they comment and vote."""
    if not user.is_authenticated or not user.has_role(Role.DELEGATE):
        return False
    organisation = user.organisation
    return organisation is not None and organisation.is_member and organisation.is_active


def is_moderator(user) -> bool:
    return user.is_authenticated and user.has_role(Role.MODERATOR)


def is_of_organisation(user, organisation_id: int | None) -> bool:
    """Whether the person belongs to that organisation (nobody belongs to "no organisation")."""
    return organisation_id is not None and user.is_authenticated and user.organisation_id == organisation_id


def is_party_to(user, item) -> bool:
    """Whether the item is the person's own: they wrote it, or it comes from their organisation."""
    return user.is_authenticated and (
        (item.author_id is not None and item.author_id == user.id) or is_of_organisation(user, item.organisation_id)
    )


def outside_moderator_exists(organisation_id: int | None) -> bool:
    """Whether some active moderator can decide content of that organisation: one without
    organisation or of another one."""
    return any(org is None or org != organisation_id for org in moderator_organisations())


def can_decide_item(user, item) -> bool:
    """Separation of duties: may this person decide on `item` (a held comment, an amendment, or the
    content a report is about), which carries `organisation_id` and `author_id` as written?

    - Nobody decides their own item or one of their own organisation: not as moderator,
      not as board member. An item comes from the organisation its author spoke for when
      writing it (for a report: the reported content's author; the reporter's organisation does
      not count, as a report is a request to look, and the content's author is who is judged).
    - Moderators decide every other item.
    - The board decides an item only where no moderator can: when every active moderator
      belongs to the item's organisation (or there is none). Then a board member outside
      that organisation decides it as a moderator would.

    Every route that decides, the services behind them, and the templates that show the
    buttons ask this one predicate.
    """
    if item is None or not user.is_authenticated or is_party_to(user, item):
        return False
    if is_moderator(user):
        return True
    return user.has_role(Role.BOARD) and not outside_moderator_exists(item.organisation_id)


def refuse_deciding(user, item) -> None:
    """The refusals of `can_decide_item`, each with its message (a NotAllowed: 403)."""
    if can_decide_item(user, item):
        return
    if item is not None and is_party_to(user, item):
        raise NotAllowed(_l("This comes from your own organisation: another moderator decides it."))
    raise NotAllowed(_l("Only moderators decide this."))
