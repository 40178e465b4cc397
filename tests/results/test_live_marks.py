"""The results after a live session (issue 16, "Done when"): for each question, whether it was decided online or
in the live session, how its counted votes came in (online / live / by proxy / on paper), which organisation voted
for which by proxy, and the paper ballots — on the results page, in the API, in the CSV and JSON tables and in the
documents (Markdown, HTML/PDF page, Word), on both databases.

The rows are written directly (votes with their channel, a session with closed and open agenda items, proxies),
as the vote service and the live session would leave them: what is tested here is how they are shown.
"""
from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta, timezone

import pytest

from consult.accounts.models import Role
from consult.drafts.models import Draft, Phase
from consult.extensions import db
from consult.live.models import AgendaItem, ItemState, LiveSession, Proxy
from consult.results import live_record
from consult.results.queries import ChannelCounts, results
from consult.votes.models import Channel, Choice, Vote
from tests import factories
from tests.votes.test_amendment_votes import make_amendment

Y, N, A = Choice.YES, Choice.NO, Choice.ABSTAIN
ONLINE, LIVE, PROXY, PAPER = Channel.ONLINE, Channel.LIVE, Channel.PROXY, Channel.PAPER
STARTED = datetime(2026, 11, 14, 9, 0, tzinfo=timezone.utc)

ORGANISATIONS = {
    "ADV": "Afrikanischer Dachverband",
    "AEV": "Ägyptischer Elternverein",
    "BKB": "Bosnischer Kulturbund",
    "CHG": "Chilenische Gemeinde",
    "NMV": "Nichtmitglied Verein",
}
# § 1 is a heading. § 2 was closed in the session: ADV voted from its phone, AEV through BKB's proxy, BKB on
# paper, CHG online before the session began. § 3 is still waiting on the agenda: its votes are online ones.
# The whole draft is open now: not decided yet, so online. NMV is no member: its proxy vote does not count.
VOTES = {
    2: {"ADV": (Y, LIVE, None), "AEV": (N, PROXY, "BKB"), "BKB": (N, PAPER, None), "CHG": (A, ONLINE, None),
        "NMV": (Y, PROXY, "ADV")},
    3: {"ADV": (N, ONLINE, None), "AEV": (Y, ONLINE, None)},
    None: {"CHG": (Y, PAPER, None)},
}


@pytest.fixture
def hall(app):
    orgs = {short: factories.organisation(name=name, short_name=short) for short, name in ORGANISATIONS.items()}
    orgs["NMV"].is_member = False
    board = factories.user(email="board@example.org", roles=(Role.BOARD,))
    delegate = factories.user(email="d@example.org", org=orgs["ADV"])
    for person in (board, delegate):
        person.locale = "en"
    draft = factories.draft(paragraphs=3, phase=Phase.VOTING, slug="rat", public=True, title="Ein Rat")
    pids = {t.position: t.paragraph_id for t in draft.versions[0].texts}
    for position, votes in VOTES.items():
        for short, (choice, channel, via) in votes.items():
            db.session.add(Vote(draft=draft, paragraph_id=pids[position] if position else None,
                                organisation=orgs[short], choice=choice, channel=channel,
                                via_organisation=orgs[via] if via else None, cast_by=board))
    session = LiveSession(draft=draft, started_at=STARTED, started_by=board)
    session.items = [
        AgendaItem(position=1, paragraph_id=pids[2], state=ItemState.CLOSED, opened_at=STARTED,
                   closed_at=STARTED + timedelta(minutes=5)),
        AgendaItem(position=2, paragraph_id=pids[3], state=ItemState.WAITING),
        AgendaItem(position=3, state=ItemState.OPEN, opened_at=STARTED + timedelta(minutes=6)),
    ]
    db.session.add(session)
    db.session.flush()
    confirmed = STARTED + timedelta(minutes=1)
    db.session.add_all([
        Proxy(session_id=session.id, organisation_id=orgs["AEV"].id, holder_id=orgs["BKB"].id,
              confirmed_at=confirmed, confirmed_by_id=board.id),
        Proxy(session_id=session.id, organisation_id=orgs["CHG"].id, holder_id=orgs["ADV"].id,
              confirmed_at=confirmed + timedelta(minutes=1), confirmed_by_id=board.id,
              withdrawn_at=confirmed + timedelta(minutes=2)),
        Proxy(session_id=session.id, organisation_id=orgs["ADV"].id, holder_id=orgs["CHG"].id),  # never confirmed
    ])
    db.session.commit()
    return {"draft_id": draft.id, "pids": pids, "orgs": orgs, "board": board, "session_id": session.id}


def _draft(hall) -> Draft:
    return db.session.get(Draft, hall["draft_id"])


def _shorts(organisations) -> list[str]:
    return [o.short_name for o in organisations]


# --- the figures ------------------------------------------------------------------------------------------------

def test_each_question_says_where_it_was_decided_and_how_its_votes_came_in(hall):
    r = results(_draft(hall))
    p2, p3 = r.paragraphs
    assert (p2.decided_live, p3.decided_live, r.whole.decided_live) == (True, False, False)
    # NMV is not entitled: its vote through ADV is neither counted nor a proxy used.
    assert p2.channels == ChannelCounts(online=1, live=1, proxy=1, paper=1)
    assert p3.channels == ChannelCounts(online=2) and not p3.channels.beyond_online
    assert r.whole.channels == ChannelCounts(paper=1)
    assert [(giver.short_name, holder.short_name) for giver, holder in p2.proxies] == [("AEV", "BKB")]
    assert _shorts(p2.on_paper) == ["BKB"] and _shorts(r.whole.on_paper) == ["CHG"]
    ways = {o.short_name: (p2.way(o).channel, p2.way(o).via and p2.way(o).via.short_name) for o, _ in p2.ballots}
    assert ways == {"ADV": (LIVE, None), "AEV": (PROXY, "BKB"), "BKB": (PAPER, None), "CHG": (ONLINE, None)}
    assert p2.counts.no == 2   # the proxy and the paper vote count like any other


def test_the_sessions_list_the_proxies_the_office_confirmed_withdrawn_ones_marked(hall):
    (session,) = results(_draft(hall)).sessions
    assert session.started_at == STARTED and session.ended_at is None
    assert [(p.giver.short_name, p.holder.short_name, p.withdrawn_at is not None) for p in session.proxies] == \
        [("AEV", "BKB", False), ("CHG", "ADV", True)]


def test_an_amendment_closed_in_the_session_is_decided_live(hall):
    draft = _draft(hall)
    orgs = hall["orgs"]
    amendment = make_amendment(draft, 1, orgs["ADV"], hall["board"])
    db.session.add(Vote(draft=draft, amendment_id=amendment.id, organisation=orgs["CHG"], choice=Y, channel=PROXY,
                        via_organisation=orgs["AEV"]))
    db.session.add(AgendaItem(session_id=hall["session_id"], position=4, amendment_id=amendment.id,
                              state=ItemState.CLOSED))
    db.session.commit()
    question = results(_draft(hall)).amendment(amendment.id)
    assert question.decided_live and question.channels == ChannelCounts(proxy=1)
    assert [(g.short_name, h.short_name) for g, h in question.proxies] == [("CHG", "AEV")]


def test_without_a_live_session_everything_was_decided_online(app):
    org = factories.organisation(short_name="SOL")
    draft = factories.draft(paragraphs=2, phase=Phase.VOTING, slug="allein")
    db.session.add(Vote(draft=draft, paragraph_id=None, organisation=org, choice=Y))
    db.session.commit()
    r = results(draft)
    assert not r.had_live_session and r.sessions == ()
    assert all(not q.decided_live for q in r.questions)
    assert r.whole.channels == ChannelCounts(online=1)


def test_the_lightweight_tables_name_the_live_columns_as_the_models_do():
    for light, model in ((live_record.live_session, LiveSession), (live_record.agenda_item, AgendaItem),
                         (live_record.live_proxy, Proxy)):
        assert light.name == model.__tablename__
        assert set(light.c.keys()) <= set(model.__table__.c.keys())
