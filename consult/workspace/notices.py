"""Asking colleagues to agree: the notification a new or changed internal draft sends (consult.notifications
writes its e-mails). Its parameters name the paragraph, the organisation and who asks — never the internal
text, which reaches nobody but the organisation's delegates on the workspace's own pages."""

from __future__ import annotations

from datetime import datetime

from flask import url_for

from consult.drafts.models import Draft
from consult.notifications.models import NotificationKind
from consult.notifications.services import notify
from consult.workspace.models import InternalDraft
from consult.workspace.queries import colleagues


def ask_colleagues(user, draft: Draft, internal: InternalDraft, position: int | None, now: datetime) -> None:
    """Every other active delegate of the organisation who opted in is asked to agree, once per text revision."""
    notify(
        colleagues(user),
        NotificationKind.AGREEMENT_WANTED,
        link=url_for("workspace.show", slug=draft.slug, internal_id=internal.id),
        now=now,
        draft=draft,
        params={
            "paragraph": position,
            "organisation": internal.organisation.name,
            "kind": internal.kind.value,
            "draft": draft.title,
            "by": user.name,
        },
        once_key=f"internal:{internal.id}:{internal.text_revision}",
    )
