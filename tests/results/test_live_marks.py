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
import re
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
    2: {
        "ADV": (Y, LIVE, None),
        "AEV": (N, PROXY, "BKB"),
        "BKB": (N, PAPER, None),
        "CHG": (A, ONLINE, None),
        "NMV": (Y, PROXY, "ADV"),
    },
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
            db.session.add(
                Vote(
                    draft=draft,
                    paragraph_id=pids[position] if position else None,
                    organisation=orgs[short],
                    choice=choice,
                    channel=channel,
                    via_organisation=orgs[via] if via else None,
                    cast_by=board,
                )
            )
    session = LiveSession(draft=draft, started_at=STARTED, started_by=board)
    session.items = [
        AgendaItem(
            position=1,
            paragraph_id=pids[2],
            state=ItemState.CLOSED,
            opened_at=STARTED,
            closed_at=STARTED + timedelta(minutes=5),
        ),
        AgendaItem(position=2, paragraph_id=pids[3], state=ItemState.WAITING),
        AgendaItem(position=3, state=ItemState.OPEN, opened_at=STARTED + timedelta(minutes=6)),
    ]
    db.session.add(session)
    db.session.flush()
    confirmed = STARTED + timedelta(minutes=1)
    db.session.add_all(
        [
            Proxy(
                session_id=session.id,
                organisation_id=orgs["AEV"].id,
                holder_id=orgs["BKB"].id,
                confirmed_at=confirmed,
                confirmed_by_id=board.id,
            ),
            Proxy(
                session_id=session.id,
                organisation_id=orgs["CHG"].id,
                holder_id=orgs["ADV"].id,
                confirmed_at=confirmed + timedelta(minutes=1),
                confirmed_by_id=board.id,
                withdrawn_at=confirmed + timedelta(minutes=2),
            ),
            Proxy(session_id=session.id, organisation_id=orgs["ADV"].id, holder_id=orgs["CHG"].id),  # never confirmed
        ]
    )
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
    assert p2.counts.no == 2  # the proxy and the paper vote count like any other


def test_the_sessions_list_the_proxies_the_office_confirmed_withdrawn_ones_marked(hall):
    (session,) = results(_draft(hall)).sessions
    assert session.started_at == STARTED and session.ended_at is None
    assert [(p.giver.short_name, p.holder.short_name, p.withdrawn_at is not None) for p in session.proxies] == [
        ("AEV", "BKB", False),
        ("CHG", "ADV", True),
    ]


def test_an_amendment_closed_in_the_session_is_decided_live(hall):
    draft = _draft(hall)
    orgs = hall["orgs"]
    amendment = make_amendment(draft, 1, orgs["ADV"], hall["board"])
    db.session.add(
        Vote(
            draft=draft,
            amendment_id=amendment.id,
            organisation=orgs["CHG"],
            choice=Y,
            channel=PROXY,
            via_organisation=orgs["AEV"],
        )
    )
    db.session.add(
        AgendaItem(session_id=hall["session_id"], position=4, amendment_id=amendment.id, state=ItemState.CLOSED)
    )
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
    for light, model in (
        (live_record.live_session, LiveSession),
        (live_record.agenda_item, AgendaItem),
        (live_record.live_proxy, Proxy),
    ):
        assert light.name == model.__tablename__
        assert set(light.c.keys()) <= set(model.__table__.c.keys())


# --- the results page -------------------------------------------------------------------------------------------


def _text(html: str) -> str:
    """The page's words without tags, spaces folded: what a reader sees."""
    inline = re.sub(r"</?(?:bdi|abbr|span|time|a)\b[^>]*>", "", html)
    return " ".join(re.sub(r"<[^>]+>", " ", inline).replace("&nbsp;", " ").split())


def _part(html: str, start: str, end: str = "</tbody>") -> str:
    begin = html.index(start)
    return _text(html[begin : html.index(end, begin)])


def test_the_page_says_per_question_where_it_was_decided_and_marks_proxy_and_paper_votes(client, auth, hall):
    auth.login("board@example.org", factories.PASSWORD)
    html = client.get("/drafts/rat/results").get_data(as_text=True)
    p2, p3 = _part(html, 'id="p2"'), _part(html, 'id="p3"')
    assert "Decided in the live session" in p2 and "Voted online" not in p2
    assert "Voted online" in p3 and "Decided in the live session" not in p3
    assert "Counted votes: online 1 · in the live session 1 · by proxy 1 · on paper ballots 1" in p2
    assert "Proxies used: BKB voted for AEV" in p2 and "Paper ballots: BKB" in p2
    # Who voted how: the proxy vote names its holder, the paper vote says so; the others carry no mark.
    assert "AEV (by proxy: BKB)" in p2 and "BKB (paper ballot)" in p2 and "ADV (" not in p2
    assert "Counted votes: online 2 Proxies" not in p3 and "Proxies used" not in p3
    assert "Counted votes: online 2 Who voted how" in p3  # the channels no vote came in by: left out
    whole = _part(html, 'id="whole-draft"', "</section>")
    assert "Voted online" in whole and "Paper ballots: CHG" in whole
    assert "Chilenische Gemeinde (CHG) (paper ballot)" in whole


def test_the_page_lists_the_confirmed_proxies_of_each_session(client, auth, hall):
    auth.login("board@example.org", factories.PASSWORD)
    html = client.get("/drafts/rat/results").get_data(as_text=True)
    section = html[html.index('id="live-session"') :]
    section = section[: section.index("</section>")]
    assert "Live session since" in _text(section) and "(still running)" in _text(section)
    rows = [
        [_text(cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", section, re.S)
    ]
    assert [row[:2] for row in rows[1:]] == [
        ["Ägyptischer Elternverein (AEV)", "Bosnischer Kulturbund (BKB)"],
        ["Chilenische Gemeinde (CHG)", "Afrikanischer Dachverband (ADV)"],
    ]  # the request never confirmed: not shown
    assert rows[1][3] == "–not withdrawn" and rows[2][3] not in ("", "–not withdrawn")
    assert all(row[2] for row in rows[1:])


def test_the_page_marks_an_amendment_decided_in_the_session(client, auth, hall):
    draft = _draft(hall)
    orgs = hall["orgs"]
    amendment = make_amendment(draft, 1, orgs["ADV"], hall["board"])
    db.session.add(
        Vote(
            draft=draft,
            amendment_id=amendment.id,
            organisation=orgs["CHG"],
            choice=Y,
            channel=PROXY,
            via_organisation=orgs["AEV"],
        )
    )
    db.session.add(
        AgendaItem(session_id=hall["session_id"], position=4, amendment_id=amendment.id, state=ItemState.CLOSED)
    )
    db.session.commit()
    auth.login("board@example.org", factories.PASSWORD)
    row = _part(client.get("/drafts/rat/results").get_data(as_text=True), f'id="amendment-{amendment.id}"')
    assert "Decided in the live session" in row and "Counted votes: by proxy 1" in row
    assert "Proxies used: AEV voted for CHG" in row and "CHG (by proxy: AEV)" in row


def test_a_draft_without_a_live_session_says_every_question_was_voted_online(client, auth, app):
    org = factories.organisation(short_name="SOL")
    factories.user(email="board@example.org", roles=(Role.BOARD,)).locale = "en"
    draft = factories.draft(paragraphs=2, phase=Phase.VOTING, slug="allein")
    db.session.add(Vote(draft=draft, paragraph_id=None, organisation=org, choice=Y))
    db.session.commit()
    auth.login("board@example.org", factories.PASSWORD)
    html = client.get("/drafts/allein/results").get_data(as_text=True)
    assert "This draft had no live session: every question was voted on online." in html
    assert 'id="live-session"' not in html and "How the votes came in" not in html


def test_the_page_needs_no_more_queries_with_a_live_session(client, auth, hall, count_queries):
    auth.login("board@example.org", factories.PASSWORD)
    with count_queries() as with_session:
        assert client.get("/drafts/rat/results").status_code == 200
    draft = factories.draft(paragraphs=3, phase=Phase.VOTING, slug="ohne", public=True)
    db.session.add(Vote(draft=draft, paragraph_id=None, organisation=hall["orgs"]["ADV"], choice=Y))
    db.session.commit()
    with count_queries() as without:
        assert client.get("/drafts/ohne/results").status_code == 200
    assert with_session.count == without.count, with_session.statements


# --- the API ----------------------------------------------------------------------------------------------------


def test_the_api_says_per_question_where_it_was_decided_and_how_its_votes_came_in(client, hall):
    data = client.get("/api/v1/drafts/rat").get_json()
    p2, p3 = data["paragraphs"][1], data["paragraphs"][2]
    assert (p2["decided"], p3["decided"], data["decided"]) == ("live", "online", "online")
    assert p2["channels"] == {"online": 1, "live": 1, "proxy": 1, "paper": 1}
    assert p2["proxies"] == [{"organisation": "AEV", "via": "BKB"}] and p2["paper"] == ["BKB"]
    assert p2["tally"]["voted"] == sum(p2["channels"].values()) == 4  # NMV's proxy vote counts nowhere
    assert (p3["channels"], p3["proxies"], p3["paper"]) == ({"online": 2, "live": 0, "proxy": 0, "paper": 0}, [], [])
    assert data["channels"]["paper"] == 1 and data["paper"] == ["CHG"]
    heading = data["paragraphs"][0]
    assert (heading["decided"], heading["channels"]["online"], heading["proxies"]) == ("online", 0, [])
    (session,) = data["live_sessions"]
    assert session["ended_at"] is None and session["started_at"].startswith("2026-11-14T09:00")
    assert [(p["organisation"], p["holder"], p["withdrawn_at"] is None) for p in session["proxies"]] == [
        ("AEV", "BKB", True),
        ("CHG", "ADV", False),
    ]
    assert "board@example.org" not in json.dumps(data) and "Test Person" not in json.dumps(data)


def test_the_api_marks_an_amendment_decided_live(client, hall):
    draft = _draft(hall)
    amendment = make_amendment(draft, 1, hall["orgs"]["ADV"], hall["board"])
    db.session.add(
        Vote(draft=draft, amendment_id=amendment.id, organisation=hall["orgs"]["BKB"], choice=N, channel=PAPER)
    )
    db.session.add(
        AgendaItem(session_id=hall["session_id"], position=4, amendment_id=amendment.id, state=ItemState.CLOSED)
    )
    db.session.commit()
    (entry,) = client.get("/api/v1/drafts/rat").get_json()["amendments"]
    assert (entry["decided"], entry["channels"]["paper"], entry["paper"]) == ("live", 1, ["BKB"])


def test_the_api_needs_a_fixed_number_of_queries(client, hall, count_queries):
    with count_queries() as few:
        client.get("/api/v1/drafts/rat")
    draft = _draft(hall)
    for org in hall["orgs"].values():
        for text in draft.versions[0].texts:
            if text.position == 1:
                db.session.add(
                    Vote(draft=draft, paragraph_id=text.paragraph_id, organisation=org, choice=Y, channel=PAPER)
                )
    db.session.commit()
    with count_queries() as more:
        client.get("/api/v1/drafts/rat")
    assert more.count == few.count, more.statements


# --- the tables and the documents -------------------------------------------------------------------------------
# Documents are written in the draft's language (German), whoever asks.


def _written(app, hall, *names) -> dict[str, bytes]:
    from consult.exports.document import build_document
    from consult.exports.formats import FORMATS

    with app.test_request_context():
        document = build_document(_draft(hall))
        return {name: FORMATS[name].write(document) for name in names}


def test_the_votes_csv_says_how_each_vote_came_in_and_where_its_question_was_decided(app, hall):
    table = _written(app, hall, "votes.csv")["votes.csv"]
    rows = {(r["question"], r["organisation"]): r for r in csv.DictReader(io.StringIO(table.decode("utf-8-sig")))}
    assert [
        (rows["2", short]["channel"], rows["2", short]["via_organisation"]) for short in ("ADV", "AEV", "BKB", "CHG")
    ] == [("live", ""), ("proxy", "BKB"), ("paper", ""), ("online", "")]
    assert {rows["2", s]["decided"] for s in ("ADV", "CHG")} == {"live"}
    assert rows["3", "ADV"]["decided"] == rows["whole", "CHG"]["decided"] == "online"
    assert rows["whole", "CHG"]["channel"] == "paper"


def test_the_json_gives_each_question_its_channels_proxies_paper_ballots_and_the_sessions(app, hall):
    data = json.loads(_written(app, hall, "json")["json"])
    p2, p3 = data["results"]["paragraphs"]
    assert (p2["decided"], p3["decided"], data["results"]["whole"]["decided"]) == ("live", "online", "online")
    assert p2["channels"] == {"online": 1, "live": 1, "proxy": 1, "paper": 1}
    assert p2["proxies"] == [{"organisation": "AEV", "via": "BKB"}] and p2["paper"] == ["BKB"]
    assert {b["organisation"]: (b["channel"], b["via"]) for b in p2["ballots"]} == {
        "ADV": ("live", None),
        "AEV": ("proxy", "BKB"),
        "BKB": ("paper", None),
        "CHG": ("online", None),
    }
    votes = {(v["paragraph"], v["organisation"]): v for v in data["votes"]}
    assert (votes[2, "AEV"]["channel"], votes[2, "AEV"]["via_organisation"], votes[2, "AEV"]["decided"]) == (
        "proxy",
        "BKB",
        "live",
    )
    (session,) = data["live_sessions"]
    assert [(p["organisation"], p["holder"]) for p in session["proxies"]] == [("AEV", "BKB"), ("CHG", "ADV")]


def _words(text: str) -> str:
    return " ".join(text.replace("\u2068", "").replace("\u2069", "").split())


def test_every_document_says_where_each_question_was_decided_and_names_proxies_and_paper_ballots(app, hall, tmp_path):
    import subprocess

    import docx
    import lxml.html
    from markdown_it import MarkdownIt

    draft = _draft(hall)
    draft.appendix_shows_ballots = True
    db.session.commit()
    written = _written(app, hall, "md", "html", "docx", "pdf")
    rendered = MarkdownIt("commonmark").render(written["md"].decode("utf-8"))
    (tmp_path / "d.pdf").write_bytes(written["pdf"])
    texts = {
        "md": _words(lxml.html.fragment_fromstring(rendered, create_parent="div").text_content()),
        "html": _words(lxml.html.document_fromstring(written["html"].decode("utf-8")).text_content()),
        "docx": _words(" ".join(p.text for p in docx.Document(io.BytesIO(written["docx"])).paragraphs)),
        "pdf": _words(
            re.sub(
                r"§(?=\d)",
                "§ ",
                subprocess.run(  # pdftotext drops the narrow space after "§"
                    ["pdftotext", "-enc", "UTF-8", str(tmp_path / "d.pdf"), "-"],
                    capture_output=True,
                    text=True,
                    check=True,
                ).stdout,
            )
        ),
    }
    for name, text in texts.items():
        part = text[text.index("Wie abgestimmt wurde") :]
        assert re.search(
            r"§ 2:? In der Live-Sitzung entschieden\. Gezählte Stimmen: online 1, in der Live-Sitzung 1, "
            r"per Stimmübertragung 1, auf Papierstimmzettel 1\. Genutzte Stimmübertragungen: BKB stimmte "
            r"für AEV ab\. Papierstimmzettel: BKB\.",
            part,
        ), (name, part)
        assert re.search(r"§ 3:? Online abgestimmt\. Gezählte Stimmen: online 2\.", part), name
        assert "Live-Sitzung seit" in part and "(läuft noch)" in part, name
        assert "Ägyptischer Elternverein (AEV) an Bosnischer Kulturbund (BKB), bestätigt am" in part, name
        assert "Chilenische Gemeinde (CHG) an Afrikanischer Dachverband (ADV), bestätigt am" in part, name
        assert "zurückgezogen am" in part and "Afrikanischer Dachverband (ADV) an" not in part, name
        # Who voted how marks the proxy and the paper votes.
        ballots = text[text.index("Wer hat wie abgestimmt") :]
        assert "AEV (per Stimmübertragung: BKB)" in ballots and "BKB (Papierstimmzettel)" in ballots, name
        assert "CHG (Papierstimmzettel)" in ballots, name


def test_documents_of_a_draft_without_a_live_session_say_every_question_was_voted_online(app):
    from consult.exports.document import build_document
    from consult.exports.formats import FORMATS

    org = factories.organisation(short_name="SOL")
    draft = factories.draft(paragraphs=2, phase=Phase.VOTING, slug="allein")
    db.session.add(Vote(draft=draft, paragraph_id=None, organisation=org, choice=Y))
    db.session.commit()
    with app.test_request_context():
        markdown = FORMATS["md"].write(build_document(draft)).decode("utf-8")
    assert (
        "### Wie abgestimmt wurde\n\nZu diesem Entwurf gab es keine Live-Sitzung: Über jede Frage wurde online "
        "abgestimmt." in markdown
    )


def test_names_in_the_markdown_live_part_open_no_markup(app, hall):
    from markdown_it import MarkdownIt

    hall["orgs"]["AEV"].name = "Verein <b>fett</b> [Link](https://evil.example)"
    hall["orgs"]["BKB"].short_name = "*B*_K_"
    db.session.commit()
    text = _written(app, hall, "md")["md"].decode("utf-8")
    text = text[text.index("### Wie abgestimmt wurde") : text.index("### Beteiligte Organisationen")]  # the draft's own
    tokens = MarkdownIt("commonmark", {"html": True}).parse(text)  # text has emphasis
    found = {t.type for t in tokens} | {c.type for t in tokens for c in t.children or []}
    assert not found & {"html_inline", "html_block", "link_open", "em_open", "strong_open"}
    assert "*B*_K_ stimmte für AEV ab" in MarkdownIt("commonmark").render(text).replace("\\", "")


# --- through the real services ----------------------------------------------------------------------------------


def test_a_session_run_through_the_services_shows_in_the_results(app):
    """The same marks from a session run through the live session's, the proxies' and the paper ballots'
    services (built beside this one in issue 16: skipped until they are merged with it)."""
    proxies = pytest.importorskip("consult.live.proxies")
    by_proxy = pytest.importorskip("consult.votes.proxy")
    paper = pytest.importorskip("consult.votes.paper")
    from consult.core import clock
    from consult.live import services
    from consult.votes.services import cast_vote

    a, b, c, d = (factories.organisation(short_name=short) for short in ("AAA", "BBB", "CCC", "DDD"))
    delegate_a, delegate_b, delegate_c = (factories.user(org=org) for org in (a, b, c))
    board = factories.user(roles=(Role.BOARD,))
    draft = factories.draft(paragraphs=3, phase=Phase.VOTING, slug="rat")
    db.session.commit()
    with app.test_request_context():
        now = clock.now()
        cast_vote(delegate_c, draft, None, N, now)  # online, before the session began
        db.session.commit()
        session = services.start_session(board, draft, now)
        db.session.commit()
        proxy = proxies.grant_proxy(delegate_a, draft, session, b, now)
        db.session.commit()
        proxies.confirm_proxy(board, draft, session, proxy, now)
        db.session.commit()
        first = session.items[0]
        services.open_question(board, draft, session, first, now)
        db.session.commit()
        pid = first.paragraph_id
        cast_vote(delegate_b, draft, pid, Y, now)
        by_proxy.cast_by_proxy(delegate_b, draft, pid, None, a.id, N, now)
        paper.enter_paper_ballot(board, draft, d, pid, None, A, now)
        db.session.commit()
        services.close_question(board, draft, session, db.session.get(AgendaItem, first.id), now)
        db.session.commit()
    r = results(db.session.get(Draft, draft.id))
    question = next(q for q in r.paragraphs if q.paragraph_id == pid)
    assert question.decided_live and not r.whole.decided_live
    assert question.channels == ChannelCounts(live=1, proxy=1, paper=1)
    assert [(giver.short_name, holder.short_name) for giver, holder in question.proxies] == [("AAA", "BBB")]
    assert _shorts(question.on_paper) == ["DDD"] and r.whole.channels == ChannelCounts(online=1)
    (held,) = r.sessions
    assert [(p.giver.short_name, p.holder.short_name) for p in held.proxies] == [("AAA", "BBB")]
