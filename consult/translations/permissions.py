"""Who may write, check and grant translations."""

from __future__ import annotations

from consult.accounts.models import Role
from consult.drafts.permissions import can_view_draft
from consult.translations.languages import is_reading_language


def can_edit_translation(user, draft, language: str, languages: frozenset[str]) -> bool:
    """Write and check the translation of `draft` into `language`: the board (every language), and people with
    the role "Übersetzung" for that language (`languages`: theirs, from `queries.translator_languages`) — never
    another language's. Only for configured reading languages and drafts the person may see."""
    if not user.is_authenticated or not is_reading_language(language) or not can_view_draft(user, draft):
        return False
    return user.has_role(Role.BOARD) or language in languages


def can_grant_translators(user) -> bool:
    """Administrators give and take the role "Übersetzung", on the page where they set the other roles."""
    return user.is_authenticated and user.has_role(Role.ADMIN)
