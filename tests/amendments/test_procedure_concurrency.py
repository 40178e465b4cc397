"""Two delegates of one organisation ask for a vote on the same amendment at the same moment, each in its
own transaction on PostgreSQL: both pass the check for an earlier request before either writes, so the
unique constraint decides. The request counts once, the second delegate gets the clear refusal, and the
audit log has one line."""

from __future__ import annotations

import os
import threading
from datetime import datetime, timezone

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from consult.accounts.models import Role, User
from consult.amendments import procedure
from consult.amendments.models import Amendment, AmendmentConsent, AmendmentKind
from consult.audit.models import AuditEntry
from consult.core.refusals import AlreadyChanged
from consult.drafts.models import AmendmentProcedure, Draft, Phase
from consult.extensions import db
from tests import factories, postgres

NOW = datetime(2026, 12, 5, 9, 0, tzinfo=timezone.utc)
PG_AVAILABLE = postgres.server_bin() is not None or os.environ.get("CONSULT_TEST_POSTGRES") == "1"
only_postgresql = pytest.mark.parametrize("backend", ["postgresql"] if PG_AVAILABLE else [])


@only_postgresql
def test_two_requests_of_one_organisation_at_once_count_once(app, monkeypatch):
    proposer, asking = factories.organisation(short_name="ABC"), factories.organisation(short_name="XYZ")
    author = factories.user(org=proposer)
    delegates = [factories.user(org=asking).id for _ in range(2)]
    moderator = factories.user(roles=(Role.MODERATOR,))
    draft = factories.draft(paragraphs=3, phase=Phase.COMMENTING)
    draft.amendment_procedure = AmendmentProcedure.ORGANISATIONS
    with app.test_request_context():
        amendment = procedure_amendment(author, moderator, draft)
    draft_id, amendment_id = draft.id, amendment.id
    db.session.commit()
    db.session.remove()

    # Both pass the check for an earlier request, then take the draft's lock one after the other.
    both_checked = threading.Barrier(2, timeout=20)
    lock = procedure.lock_draft_in

    def after_both_checked(*args):
        both_checked.wait()
        return lock(*args)

    monkeypatch.setattr(procedure, "lock_draft_in", after_both_checked)
    outcomes: list[str] = []

    def ask(user_id: int):
        with app.app_context(), app.test_request_context(), force_locale("en"):
            user = db.session.get(User, user_id)
            try:
                procedure.request_vote(
                    user, db.session.get(Amendment, amendment_id), db.session.get(Draft, draft_id), NOW
                )
                db.session.commit()
                outcomes.append("asked")
            except AlreadyChanged as refusal:
                db.session.rollback()
                outcomes.append(str(refusal.message))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=ask, args=(user_id,)) for user_id in delegates]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == ["Your organisation has already asked for a vote on this amendment.", "asked"]
    assert len(db.session.scalars(select(AmendmentConsent)).all()) == 1
    assert len(db.session.scalars(select(AuditEntry).where(AuditEntry.action == "amendment.request_vote")).all()) == 1


def procedure_amendment(author, moderator, draft) -> Amendment:
    from consult.amendments.services import propose

    amendment = propose(
        author, draft, draft.versions[0].texts[1], AmendmentKind.REPLACE, "Absatz 2: Gemeinsam beraten.", "Besser.", NOW
    )
    procedure.recommend(moderator, amendment, draft, "accept", "", NOW)
    return amendment
