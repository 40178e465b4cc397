"""Proxies in the live session (issue 16, point 5): an organisation hands its vote to another member
organisation, the office confirms it, the holder's delegate casts the giver's vote, the giver or the office
withdraws it between questions; the holder's limit; one vote per organisation whether cast directly, by proxy
or on paper; the refusals with their messages; parallel confirmations and casts on PostgreSQL."""

from __future__ import annotations

import functools
import threading

import pytest
from sqlalchemy import func, select

from consult.accounts.models import Role
from consult.audit.models import AuditEntry
from consult.core import clock
from consult.core.refusals import InvalidInput, NotAllowed, PhaseClosed
from consult.drafts.models import Phase
from consult.extensions import db
from consult.live import proxies, services
from consult.live.models import Proxy
from consult.votes import proxy_gate
from consult.votes.models import Channel, Choice, Vote, VoteCast
from consult.votes.proxy import cast_by_proxy
from consult.votes.services import cast_vote, write_vote
from tests import factories
from tests.conftest import csrf_token
from tests.votes.test_concurrency import only_postgresql

HANDED_OVER = (
    "Ihre Organisation hat ihre Stimme in dieser Live-Sitzung einer anderen Organisation übertragen: "
    "deren Delegierte stimmen für Sie ab. Um selbst abzustimmen, ziehen Sie die Stimmübertragung zurück, "
    "bevor die nächste Frage geöffnet wird."
)
NO_PROXY = "Ihre Organisation hat keine bestätigte Stimmübertragung dieser Organisation."
LIMIT_1 = "Diese Organisation hält schon so viele Stimmen anderer, wie erlaubt sind (1)."
QUESTION_OPEN = (
    "Stimmübertragungen ändern sich nur zwischen den Fragen: Warten Sie, bis die offene Frage geschlossen ist."
)


@pytest.fixture
def room(app):
    orgs = {short: factories.organisation(short_name=short) for short in ("ABC", "XYZ", "NOV", "QRS")}
    people = {
        "a1": factories.user(email="a1@example.org", org=orgs["ABC"]),
        "x1": factories.user(email="x1@example.org", org=orgs["XYZ"]),
        "n1": factories.user(email="n1@example.org", org=orgs["NOV"]),
        "q1": factories.user(email="q1@example.org", org=orgs["QRS"]),
        "board": factories.user(email="board@example.org", roles=(Role.BOARD,)),
        "mod": factories.user(email="mod@example.org", roles=(Role.MODERATOR,)),
    }
    draft = factories.draft(paragraphs=4, phase=Phase.VOTING, slug="rat")
    db.session.commit()
    return {"draft": draft, **{k.lower(): v for k, v in orgs.items()}, **people}


@pytest.fixture
def in_request(app):
    with app.test_request_context():
        yield


def _now():
    return clock.now()


def _session(room):
    session = services.start_session(room["board"], room["draft"], _now())
    db.session.commit()
    return session


def _open(room, session, index=0):
    services.open_question(room["board"], room["draft"], session, session.items[index], _now())
    db.session.commit()
    return session.items[index]


def _close(room, session, index=0):
    services.close_question(room["board"], room["draft"], session, session.items[index], _now())
    db.session.commit()


def _grant(room, session, giver="a1", holder="xyz", confirm=True):
    proxy = proxies.grant_proxy(room[giver], room["draft"], session, room[holder], _now())
    if confirm:
        proxies.confirm_proxy(room["mod"], room["draft"], session, proxy, _now())
    db.session.commit()
    return proxy


def _refused(kind, action):
    with pytest.raises(kind) as refused:
        action()
    db.session.rollback()
    return str(refused.value.message)


def _votes():
    return [
        (v.organisation_id, v.choice, v.channel, v.via_organisation_id, v.cast_by_id)
        for v in db.session.scalars(select(Vote).order_by(Vote.id))
    ]


def _audit(action):
    return db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()


# --- hand over, confirm, vote --------------------------------------------------------------------------------


def test_the_holder_casts_the_givers_vote_once_the_office_confirmed_it(room, in_request):
    session = _session(room)
    proxy = _grant(room, session, confirm=False)
    item = _open(room, session)
    # Asked for, not confirmed: the holder cannot vote for ABC yet, ABC's own delegate still can.
    assert (
        _refused(
            NotAllowed,
            lambda: cast_by_proxy(
                room["x1"], room["draft"], item.paragraph_id, None, room["abc"].id, Choice.YES, _now()
            ),
        )
        == NO_PROXY
    )
    _close(room, session)
    proxies.confirm_proxy(room["board"], room["draft"], session, proxy, _now())
    db.session.commit()
    item = _open(room, session, 1)
    assert (
        cast_by_proxy(room["x1"], room["draft"], item.paragraph_id, None, room["abc"].id, Choice.NO, _now())
        == Choice.NO
    )
    cast_vote(room["x1"], room["draft"], item.paragraph_id, Choice.YES, _now())  # XYZ's own vote beside it
    db.session.commit()
    assert _votes() == [
        (room["abc"].id, Choice.NO, Channel.PROXY, room["xyz"].id, room["x1"].id),
        (room["xyz"].id, Choice.YES, Channel.LIVE, None, room["x1"].id),
    ]
    cast = db.session.scalars(select(VoteCast).where(VoteCast.organisation_id == room["abc"].id)).one()
    assert (cast.channel, cast.via_organisation_id) == (Channel.PROXY, room["xyz"].id)
    assert [
        (e.action, e.details["organisation"], e.details["holder"])
        for e in _audit("live.proxy.grant") + _audit("live.proxy.confirm")
    ] == [("live.proxy.grant", room["abc"].id, room["xyz"].id), ("live.proxy.confirm", room["abc"].id, room["xyz"].id)]
    assert _audit("live.proxy.confirm")[0].actor_id == room["board"].id


def test_while_the_proxy_is_in_force_the_givers_own_delegates_do_not_vote(room, in_request):
    session = _session(room)
    _grant(room, session)
    item = _open(room, session)
    assert (
        _refused(PhaseClosed, lambda: cast_vote(room["a1"], room["draft"], item.paragraph_id, Choice.YES, _now()))
        == HANDED_OVER
    )
    assert _votes() == []


def test_a_proxy_counts_only_in_the_live_session_on_the_open_question(room, in_request):
    session = _session(room)
    _grant(room, session)
    pids = [i.paragraph_id for i in session.items]
    refusal = _refused(
        PhaseClosed, lambda: cast_by_proxy(room["x1"], room["draft"], pids[0], None, room["abc"].id, Choice.YES, _now())
    )
    assert "keine Frage geöffnet" in refusal
    _open(room, session)
    assert "noch nicht geöffnet" in _refused(
        PhaseClosed, lambda: cast_by_proxy(room["x1"], room["draft"], pids[1], None, room["abc"].id, Choice.YES, _now())
    )
    # Another organisation, holding nothing, cannot vote for ABC; nor can XYZ for NOV.
    assert (
        _refused(
            NotAllowed,
            lambda: cast_by_proxy(room["n1"], room["draft"], pids[0], None, room["abc"].id, Choice.YES, _now()),
        )
        == NO_PROXY
    )
    assert (
        _refused(
            NotAllowed,
            lambda: cast_by_proxy(room["x1"], room["draft"], pids[0], None, room["nov"].id, Choice.YES, _now()),
        )
        == NO_PROXY
    )
    assert _refused(
        NotAllowed,
        lambda: cast_by_proxy(room["board"], room["draft"], pids[0], None, room["abc"].id, Choice.YES, _now()),
    )
    assert _votes() == []


def test_without_a_live_session_a_proxy_vote_is_refused(room, in_request):
    pid = room["draft"].versions[0].texts[1].paragraph_id
    message = _refused(
        PhaseClosed, lambda: cast_by_proxy(room["x1"], room["draft"], pid, None, room["abc"].id, Choice.YES, _now())
    )
    assert message == (
        "Eine Stimmübertragung gilt nur in der Live-Sitzung, für die Frage, die die Sitzungsleitung geöffnet hat."
    )


# --- one vote per organisation -------------------------------------------------------------------------------


def test_one_vote_per_organisation_whether_cast_directly_by_proxy_or_on_paper(room, in_request):
    session = _session(room)
    item = _open(room, session)
    pid = item.paragraph_id
    cast_vote(room["a1"], room["draft"], pid, Choice.YES, _now())  # directly, before any proxy
    db.session.commit()
    _close(room, session)
    _grant(room, session)
    services.reopen_question(room["board"], room["draft"], session, session.items[0], "Stimmübertragung", _now())
    db.session.commit()
    cast_by_proxy(room["x1"], room["draft"], pid, None, room["abc"].id, Choice.NO, _now())  # by proxy
    db.session.commit()
    write_vote(
        room["mod"], room["draft"].id, pid, None, room["abc"].id, Choice.ABSTAIN, _now(), channel=Channel.PAPER
    )  # on paper
    db.session.commit()
    assert _votes() == [(room["abc"].id, Choice.ABSTAIN, Channel.PAPER, None, room["mod"].id)]
    casts = db.session.execute(select(VoteCast.channel, VoteCast.choice).order_by(VoteCast.id)).all()
    assert casts == [(Channel.LIVE, Choice.YES), (Channel.PROXY, Choice.NO), (Channel.PAPER, Choice.ABSTAIN)]


# --- the limit -----------------------------------------------------------------------------------------------


def test_a_holder_holds_at_most_the_drafts_limit(room, in_request):
    session = _session(room)
    assert room["draft"].live_proxy_limit == 1
    _grant(room, session, "a1", "xyz")
    # Asking is refused early once the holder is at the limit.
    assert (
        _refused(InvalidInput, lambda: proxies.grant_proxy(room["n1"], room["draft"], session, room["xyz"], _now()))
        == LIMIT_1
    )
    services.set_quorum(room["board"], room["draft"], 0, False, _now(), proxy_limit=2)
    db.session.commit()
    second = _grant(room, session, "n1", "xyz", confirm=False)
    third = _grant(room, session, "q1", "xyz", confirm=False)  # both asked for while XYZ holds one
    proxies.confirm_proxy(room["mod"], room["draft"], session, second, _now())
    db.session.commit()
    message = _refused(InvalidInput, lambda: proxies.confirm_proxy(room["mod"], room["draft"], session, third, _now()))
    assert message == "Diese Organisation hält schon so viele Stimmen anderer, wie erlaubt sind (2)."
    assert proxies.held_in_force(session.id, room["xyz"].id) == 2
    assert _audit("live.quorum")[0].details["proxy_limit"] == 2


def test_a_limit_of_nought_allows_no_proxy(room, in_request):
    services.set_quorum(room["board"], room["draft"], 0, False, _now(), proxy_limit=0)
    session = _session(room)
    assert "(0)" in _refused(
        InvalidInput, lambda: proxies.grant_proxy(room["a1"], room["draft"], session, room["xyz"], _now())
    )
    with pytest.raises(InvalidInput):
        services.set_quorum(room["board"], room["draft"], 0, False, _now(), proxy_limit=-1)


# --- withdrawal ----------------------------------------------------------------------------------------------


def test_a_proxy_in_force_is_withdrawn_only_between_questions(room, in_request):
    session = _session(room)
    proxy = _grant(room, session)
    item = _open(room, session)
    assert (
        _refused(PhaseClosed, lambda: proxies.withdraw_proxy(room["a1"], room["draft"], session, proxy, _now()))
        == QUESTION_OPEN
    )
    cast_by_proxy(room["x1"], room["draft"], item.paragraph_id, None, room["abc"].id, Choice.YES, _now())
    db.session.commit()
    _close(room, session)
    proxies.withdraw_proxy(room["a1"], room["draft"], session, proxy, _now())
    db.session.commit()
    second = _open(room, session, 1)
    # Withdrawn: the holder no longer votes for ABC, ABC's own delegate does again.
    assert (
        _refused(
            NotAllowed,
            lambda: cast_by_proxy(
                room["x1"], room["draft"], second.paragraph_id, None, room["abc"].id, Choice.NO, _now()
            ),
        )
        == NO_PROXY
    )
    cast_vote(room["a1"], room["draft"], second.paragraph_id, Choice.NO, _now())
    db.session.commit()
    assert [(v[0], v[2]) for v in _votes()] == [(room["abc"].id, Channel.PROXY), (room["abc"].id, Channel.LIVE)]
    assert [(e.actor_id, e.details["confirmed"]) for e in _audit("live.proxy.withdraw")] == [(room["a1"].id, True)]
    # The vote cast through the proxy stays recorded as such.
    assert db.session.get(Proxy, proxy.id).withdrawn_by_id == room["a1"].id


def test_a_request_not_yet_confirmed_is_withdrawn_at_any_time_and_then_asked_anew(room, in_request):
    session = _session(room)
    proxy = _grant(room, session, confirm=False)
    _open(room, session)
    assert "bereits" in _refused(
        InvalidInput, lambda: proxies.grant_proxy(room["a1"], room["draft"], session, room["nov"], _now())
    )
    proxies.withdraw_proxy(room["board"], room["draft"], session, proxy, _now())  # the office turns it down
    db.session.commit()
    assert (
        _refused(InvalidInput, lambda: proxies.withdraw_proxy(room["a1"], room["draft"], session, proxy, _now()))
        == "Diese Stimmübertragung wurde zurückgezogen."
    )
    # Confirming while a question is open waits for its closing.
    again = proxies.grant_proxy(room["a1"], room["draft"], session, room["nov"], _now())
    db.session.commit()
    assert (
        _refused(PhaseClosed, lambda: proxies.confirm_proxy(room["mod"], room["draft"], session, again, _now()))
        == QUESTION_OPEN
    )
    assert _refused(InvalidInput, lambda: proxies.confirm_proxy(room["mod"], room["draft"], session, proxy, _now()))


def test_only_the_giver_or_the_office_withdraws_and_only_the_office_confirms(room, in_request):
    session = _session(room)
    proxy = _grant(room, session, confirm=False)
    for person in ("x1", "n1"):  # the holder's delegate, a stranger
        asking = (room[person], room["draft"], session, proxy, _now())
        assert _refused(NotAllowed, functools.partial(proxies.withdraw_proxy, *asking))
        assert _refused(NotAllowed, functools.partial(proxies.confirm_proxy, *asking))
    assert _refused(NotAllowed, lambda: proxies.confirm_proxy(room["a1"], room["draft"], session, proxy, _now()))
    assert db.session.get(Proxy, proxy.id).confirmed_at is None


# --- what can be handed to whom ------------------------------------------------------------------------------


def test_only_to_another_active_member_and_without_chains(room, in_request):
    session = _session(room)
    draft = room["draft"]
    assert _refused(InvalidInput, lambda: proxies.grant_proxy(room["a1"], draft, session, room["abc"], _now()))
    room["qrs"].is_active = False
    db.session.commit()
    assert (
        _refused(InvalidInput, lambda: proxies.grant_proxy(room["a1"], draft, session, room["qrs"], _now()))
        == "Eine Stimme kann nur einer anderen aktiven Mitgliedsorganisation übertragen werden."
    )
    assert _refused(NotAllowed, lambda: proxies.grant_proxy(room["board"], draft, session, room["xyz"], _now()))
    _grant(room, session, "a1", "xyz")
    # XYZ holds ABC's vote: it cannot hand over its own; ABC gave its vote: it cannot hold NOV's.
    assert "hält die Stimme" in _refused(
        InvalidInput, lambda: proxies.grant_proxy(room["x1"], draft, session, room["nov"], _now())
    )
    assert "eigene Stimme übertragen" in _refused(
        InvalidInput, lambda: proxies.grant_proxy(room["n1"], draft, session, room["abc"], _now())
    )
    assert db.session.scalar(select(func.count(Proxy.id))) == 1


def test_the_gate_names_the_proxy_table_as_the_model_does():
    assert proxy_gate.live_proxy.name == Proxy.__tablename__
    assert set(proxy_gate.live_proxy.c.keys()) <= set(Proxy.__table__.c.keys())


def test_each_change_of_proxies_raises_the_tally_revision_that_live_pages_follow(room, in_request):
    session = _session(room)
    draft = room["draft"]
    db.session.refresh(draft)
    tally = draft.tally_revision
    proxy = _grant(room, session)  # asked for, confirmed
    proxies.withdraw_proxy(room["a1"], draft, session, proxy, _now())
    db.session.commit()
    db.session.refresh(draft)
    assert draft.tally_revision == tally + 3


# --- on PostgreSQL, at the same moment -----------------------------------------------------------------------


def _at_once(app, actions):
    """Run each action in its own thread, app context and database connection, released together;
    returns what each returned or raised."""
    barrier = threading.Barrier(len(actions))
    results: list = [None] * len(actions)

    def run(i):
        with app.test_request_context():
            try:
                barrier.wait(timeout=10)
                results[i] = actions[i]()
                db.session.commit()
            except BaseException as error:  # reported by the test
                db.session.rollback()
                results[i] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(actions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert not any(thread.is_alive() for thread in threads)
    return results


def _loaded(model, ident):
    return lambda: db.session.get(model, ident)


@only_postgresql
def test_parallel_confirmations_never_exceed_the_limit(app, room):
    with app.test_request_context():
        session = _session(room)
        givers = [_grant(room, session, g, "qrs", confirm=False).id for g in ("a1", "x1", "n1")]
        ids = {"draft": room["draft"].id, "session": session.id, "mod": room["mod"].id, "board": room["board"].id}
    db.session.remove()

    def confirm(proxy_id, person):
        def action():
            from consult.accounts.models import User
            from consult.drafts.models import Draft
            from consult.live.models import LiveSession

            proxy = db.session.get(Proxy, proxy_id)
            proxies.confirm_proxy(
                db.session.get(User, ids[person]),
                db.session.get(Draft, ids["draft"]),
                db.session.get(LiveSession, ids["session"]),
                proxy,
                _now(),
            )
            return "confirmed"

        return action

    results = _at_once(app, [confirm(p, who) for p, who in zip(givers, ("mod", "board", "mod"), strict=True)])
    assert sorted(r if isinstance(r, str) else type(r).__name__ for r in results) == [
        "InvalidInput",
        "InvalidInput",
        "confirmed",
    ], results
    assert db.session.scalar(select(func.count(Proxy.id)).where(Proxy.confirmed_at.is_not(None))) == 1


@only_postgresql
def test_the_giver_and_the_holder_voting_at_once_leave_one_vote(app, room):
    with app.test_request_context():
        session = _session(room)
        _grant(room, session)
        item = _open(room, session)
        pid, draft_id = item.paragraph_id, room["draft"].id
        ids = {k: room[k].id for k in ("a1", "x1", "abc")}
    db.session.remove()

    def load():
        from consult.accounts.models import User
        from consult.drafts.models import Draft

        return db.session.get(Draft, draft_id), {k: db.session.get(User, ids[k]) for k in ("a1", "x1")}

    def direct():
        draft, people = load()
        return cast_vote(people["a1"], draft, pid, Choice.YES, _now())

    def by_proxy():
        draft, people = load()
        return cast_by_proxy(people["x1"], draft, pid, None, ids["abc"], Choice.NO, _now())

    rounds = [_at_once(app, [direct, by_proxy]) for _ in range(3)]
    for direct_result, proxy_result in rounds:
        assert isinstance(direct_result, PhaseClosed) and proxy_result == Choice.NO, (direct_result, proxy_result)
    assert db.session.execute(select(Vote.organisation_id, Vote.choice, Vote.channel)).all() == [
        (ids["abc"], Choice.NO, Channel.PROXY)
    ]
    assert db.session.scalar(select(func.count(VoteCast.id))) == 3


# --- the pages -----------------------------------------------------------------------------------------------


def _post(client, path, data=None, page="/drafts/rat/live"):
    token = csrf_token(client.get(page).get_data(as_text=True))
    return client.post(path, data={"csrf_token": token, **(data or {})})


def test_hand_over_confirm_and_vote_through_the_pages(room, client, auth, app):
    with app.test_request_context():
        _session(room)
    abc, xyz = room["abc"], room["xyz"]
    # ABC's delegate hands its vote to XYZ.
    auth.login("a1@example.org", factories.PASSWORD)
    page = client.get("/drafts/rat/live").get_data(as_text=True)
    assert "Stimme übertragen" in page and f'value="{xyz.id}"' in page and f'value="{abc.id}"' not in page
    assert _post(client, "/drafts/rat/live/proxies", {"holder_id": str(xyz.id)}).status_code == 302
    page = client.get("/drafts/rat/live").get_data(as_text=True)
    assert "Die Geschäftsstelle hat das noch nicht bestätigt." in page and "Stimmübertragung zurückziehen" in page
    auth.logout()
    # The office confirms it.
    proxy = db.session.scalars(select(Proxy)).one()
    auth.login("mod@example.org", factories.PASSWORD)
    page = client.get("/drafts/rat/live").get_data(as_text=True)
    assert f"/drafts/rat/live/proxies/{proxy.id}/confirm" in page and "wartet auf Bestätigung" in page
    _post(client, f"/drafts/rat/live/proxies/{proxy.id}/confirm")
    assert "bestätigt" in client.get("/drafts/rat/live").get_data(as_text=True)
    with app.test_request_context():
        item = _open(room, active_session_of(room))
    auth.logout()
    # XYZ's delegate sees the second vote box and votes for ABC.
    auth.login("x1@example.org", factories.PASSWORD)
    state = client.get("/drafts/rat/live/state").get_data(as_text=True)
    assert "Sie stimmen auch für <bdi>" in state and f'name="organisation_id" value="{abc.id}"' in state
    response = _post(
        client, "/drafts/rat/live/proxy-votes", {"vote": f"{item.paragraph_id}:no", "organisation_id": str(abc.id)}
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/drafts/rat/live#current-question")
    assert _votes() == [(abc.id, Choice.NO, Channel.PROXY, xyz.id, room["x1"].id)]
    assert f"Stimme von {abc.short_name}: Nein" in client.get("/drafts/rat/live/state").get_data(as_text=True)
    auth.logout()
    # ABC's delegate is told who votes for it, and has no buttons.
    auth.login("a1@example.org", factories.PASSWORD)
    state = client.get("/drafts/rat/live/state").get_data(as_text=True)
    assert "Deren Delegierte stimmen für Sie ab." in state and f'value="{item.paragraph_id}:yes"' not in state
    refused = _post(client, "/drafts/rat/votes", {"vote": f"{item.paragraph_id}:yes", "back": "live"})
    assert refused.status_code == 409 and "Stimmübertragung zurück" in refused.get_data(as_text=True)
    # ... and cannot withdraw while the question is open.
    _post(client, f"/drafts/rat/live/proxies/{proxy.id}/withdraw")
    assert QUESTION_OPEN in client.get("/drafts/rat/live").get_data(as_text=True)
    assert db.session.get(Proxy, proxy.id).withdrawn_at is None


def active_session_of(room):
    from consult.live.queries import active_session

    return active_session(room["draft"].id)


def test_the_pages_refuse_who_may_not_and_say_why(room, client, auth, app):
    with app.test_request_context():
        session = _session(room)
        proxy = _grant(room, session, confirm=False)
        item = _open(room, session)
    auth.login("x1@example.org", factories.PASSWORD)  # the holder's delegate
    assert _post(client, f"/drafts/rat/live/proxies/{proxy.id}/confirm").status_code == 403
    assert _post(client, f"/drafts/rat/live/proxies/{proxy.id}/withdraw").status_code == 403
    refused = _post(
        client,
        "/drafts/rat/live/proxy-votes",
        {"vote": f"{item.paragraph_id}:yes", "organisation_id": str(room["abc"].id)},
    )
    assert refused.status_code == 403 and NO_PROXY in refused.get_data(as_text=True)
    assert (
        _post(client, "/drafts/rat/live/proxy-votes", {"vote": "nonsense", "organisation_id": "1"}).status_code == 400
    )
    assert _post(client, "/drafts/rat/live/proxies/99999/confirm").status_code == 404
    auth.logout()
    auth.login("n1@example.org", factories.PASSWORD)
    _post(client, "/drafts/rat/live/proxies", {"holder_id": str(room["nov"].id)})  # its own organisation
    assert "Eine Stimme kann nur einer anderen aktiven Mitgliedsorganisation übertragen werden." in client.get(
        "/drafts/rat/live"
    ).get_data(as_text=True)
    _post(client, "/drafts/rat/live/proxies", {"holder_id": "¹"})
    assert db.session.scalar(select(func.count(Proxy.id))) == 1
    auth.logout()
    auth.login("board@example.org", factories.PASSWORD)
    assert _post(client, "/drafts/rat/live/proxies", {"holder_id": str(room["xyz"].id)}).status_code == 403


def test_the_chair_sets_the_limit_with_the_quorum(room, client, auth, app):
    with app.test_request_context():
        _session(room)
    auth.login("board@example.org", factories.PASSWORD)
    page = client.get("/drafts/rat/live").get_data(as_text=True)
    assert "Stimmen anderer Organisationen, die eine Organisation halten darf" in page and 'name="proxy_limit"' in page
    _post(client, "/drafts/rat/live/quorum", {"number": "0", "proxy_limit": "3"})
    db.session.expire_all()
    assert db.session.get(type(room["draft"]), room["draft"].id).live_proxy_limit == 3
    page = client.get("/drafts/rat/live").get_data(as_text=True)
    assert "Stimmen anderer Organisationen, die eine Organisation halten darf: 3." in page


def test_an_account_deletion_keeps_the_proxy_without_the_person(room, in_request):
    from consult.profile.services import delete_account

    session = _session(room)
    proxy = _grant(room, session)
    delete_account(room["a1"], factories.PASSWORD, _now())
    db.session.commit()
    db.session.expire_all()
    kept = db.session.get(Proxy, proxy.id)
    assert (kept.organisation_id, kept.holder_id, kept.requested_by_id, kept.confirmed_by_id) == (
        room["abc"].id,
        room["xyz"].id,
        None,
        room["mod"].id,
    )


@only_postgresql
def test_parallel_casts_through_the_routes_on_several_processes_leave_one_vote(app, database_url):
    """Two delegates of the giver (directly) and two of the holder (by proxy) vote for ABC at the same moment,
    three times, as real HTTP requests to gunicorn's processes: the direct ones are refused with the message,
    ABC has one vote (by proxy, the latest cast), each proxy cast is kept."""
    from tests.served import TIMEOUT, Browser, Gunicorn
    from tests.served import csrf_token as page_token

    abc, xyz = factories.organisation(short_name="ABC"), factories.organisation(short_name="XYZ")
    people = [factories.user(org=org) for org in (abc, abc, xyz, xyz)]
    board = factories.user(roles=(Role.BOARD,))
    draft = factories.draft(paragraphs=3, phase=Phase.VOTING, slug="rat")
    db.session.commit()
    with app.test_request_context():
        session = services.start_session(board, draft, _now())
        proxy = proxies.grant_proxy(people[0], draft, session, xyz, _now())
        proxies.confirm_proxy(board, draft, session, proxy, _now())
        services.open_question(board, draft, session, session.items[0], _now())
        db.session.commit()
    pid, abc_id, xyz_id = session.items[0].paragraph_id, abc.id, xyz.id
    emails = [p.email for p in people]
    db.session.remove()

    server = Gunicorn(database_url, 2)
    try:
        server.wait_until_ready()
        browsers, tokens = [], []
        for email in emails:
            browser = Browser(server.base)
            browser.sign_in(email)
            status, _, html = browser.request("/drafts/rat/live")
            assert status == 200
            browsers.append(browser)
            tokens.append(page_token(html))
        choices = ["yes", "no", "abstain"]
        for round_ in range(3):
            barrier = threading.Barrier(4)
            results: list = [None] * 4

            # This round's barrier and results are bound now: a thread that outlived its join must not
            # see the next round's.
            def send(i, round_=round_, barrier=barrier, results=results):
                choice = choices[(round_ + i) % 3]
                if i < 2:
                    path, data = "/drafts/rat/votes", {"vote": f"{pid}:{choice}", "back": "live"}
                else:
                    path, data = (
                        "/drafts/rat/live/proxy-votes",
                        {"vote": f"{pid}:{choice}", "organisation_id": str(abc_id)},
                    )
                try:
                    barrier.wait(timeout=TIMEOUT)
                    results[i] = browsers[i].request(path, {**data, "csrf_token": tokens[i]})
                except BaseException as error:  # reported below
                    results[i] = error

            threads = [threading.Thread(target=send, args=(i,)) for i in range(4)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(TIMEOUT + 5)
            statuses = [r[0] if isinstance(r, tuple) else repr(r) for r in results]
            assert statuses == [409, 409, 302, 302], (statuses, server.log())
            assert all("Stimmübertragung zurück" in results[i][2] for i in (0, 1))
    finally:
        server.stop()

    votes = db.session.execute(select(Vote.organisation_id, Vote.channel, Vote.via_organisation_id, Vote.choice)).all()
    assert [v[:3] for v in votes] == [(abc_id, Channel.PROXY, xyz_id)]
    casts = db.session.scalars(select(VoteCast).order_by(VoteCast.cast_at, VoteCast.id)).all()
    assert len(casts) == 6 and {(c.organisation_id, c.channel) for c in casts} == {(abc_id, Channel.PROXY)}
    latest = max(c.cast_at for c in casts)  # the vote on record is the latest cast
    assert votes[0].choice in {c.choice for c in casts if c.cast_at == latest}


def test_the_holder_votes_for_the_giver_on_an_amendment_through_the_page(room, client, auth, app):
    from tests.votes.test_amendment_votes import make_amendment

    amendment = make_amendment(room["draft"], 1, room["nov"], room["n1"])
    db.session.commit()
    with app.test_request_context():
        session = _session(room)
        _grant(room, session)
        _open(room, session)
    auth.login("x1@example.org", factories.PASSWORD)
    state = client.get("/drafts/rat/live/state").get_data(as_text=True)
    assert f'value="a{amendment.id}:abstain"' in state.split('class="vote-box proxy-vote"')[1]
    _post(
        client,
        "/drafts/rat/live/proxy-votes",
        {"vote": f"a{amendment.id}:abstain", "organisation_id": str(room["abc"].id)},
    )
    vote = db.session.scalars(select(Vote)).one()
    assert (vote.amendment_id, vote.organisation_id, vote.choice, vote.channel) == (
        amendment.id,
        room["abc"].id,
        Choice.ABSTAIN,
        Channel.PROXY,
    )
