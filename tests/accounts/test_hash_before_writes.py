"""The password hash (slow on purpose) runs before the request's first write.

On SQLite the first write of a transaction takes the database's one write lock until the
commit; a hash computed after it keeps every other process waiting (see
`consult.accounts.services.hash_password`). Each test records the statements sent to the
database and checks that none of them wrote when the hash was computed, and that the
service did write afterwards. tests/invitations/test_accept_load.py shows the effect under load.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event

from consult.accounts import services as accounts
from consult.accounts.models import Role
from consult.core import clock
from consult.core.tokens import new_token
from consult.extensions import db
from consult.invitations import services as invitations
from consult.invitations.models import Invitation
from consult.password_reset import services as password_reset
from consult.password_reset.models import PasswordReset
from consult.profile import services as profile
from tests import factories

WRITES = ("INSERT", "UPDATE", "DELETE")


@pytest.fixture
def hashes(app, monkeypatch):
    """Records, for each password hash computed, how many writing statements had been sent before it."""
    writes, seen = [], []

    def count(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith(WRITES):
            writes.append(statement)

    def hash_password(password):
        seen.append(len(writes))
        return real(password)

    real = accounts.hash_password
    for module in (accounts, invitations, password_reset, profile):
        monkeypatch.setattr(module, "hash_password", hash_password, raising=False)
    with app.test_request_context():
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            yield seen, writes
        finally:
            event.remove(db.engine, "before_cursor_execute", count)


def _begin(seen, writes):
    """Commit the set-up and forget its hashes and writes: what follows is the request's transaction."""
    db.session.commit()
    seen.clear()
    writes.clear()


def test_accepting_an_invitation_hashes_before_it_writes(hashes):
    seen, writes = hashes
    admin, org = factories.user(roles=(Role.ADMIN,)), factories.organisation()
    token, token_digest = new_token()
    now = clock.now()
    db.session.add(
        Invitation(
            email="neu@example.org",
            organisation=org,
            roles="delegate",
            locale="de",
            token_digest=token_digest,
            invited_by_id=admin.id,
            created_at=now,
            expires_at=now + timedelta(days=1),
        )
    )
    _begin(seen, writes)
    invitations.accept(token, "Neue Person", "ein langes Passwort", now)
    assert seen == [0] and writes, (seen, writes)


def test_a_password_reset_hashes_before_it_writes(hashes):
    seen, writes = hashes
    person = factories.user()
    token, token_digest = new_token()
    now = clock.now()
    db.session.add(
        PasswordReset(user_id=person.id, token_digest=token_digest, created_at=now, expires_at=now + timedelta(hours=1))
    )
    _begin(seen, writes)
    password_reset.reset_password(token, "ein neues langes Passwort", now)
    db.session.flush()
    assert seen == [0] and writes, (seen, writes)


def test_asking_for_a_reset_hashes_before_it_writes(hashes):
    seen, writes = hashes
    person = factories.user()
    _begin(seen, writes)
    password_reset.request_reset(person.email, clock.now())
    db.session.flush()
    assert seen == [0] and writes, (seen, writes)


def test_a_password_change_hashes_before_it_writes(hashes):
    seen, writes = hashes
    person = factories.user()
    _begin(seen, writes)
    profile.change_password(person, factories.PASSWORD, "ein neues langes Passwort", "ein neues langes Passwort")
    db.session.flush()
    assert seen == [0] and writes, (seen, writes)
