"""The supporter quorum (issue 15, point 2) through the real routes, on both databases: an amendment of a
draft with `support_quorum` N is seen by nobody outside its organisation, its supporters and holders of
its support link, by any path, until the Nth other organisation supports it; then by everyone. The link
opens it to its holder only; amendments that miss the quorum lapse when commenting ends; refusals say why."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from consult.accounts.models import Role, User
from consult.amendments.models import Amendment, AmendmentStatus, AmendmentSupport, LapseReason
from consult.amendments.quorum import link_token
from consult.audit.models import AuditEntry
from consult.board.services import change_phase
from consult.core.db import utcnow
from consult.drafts.models import Draft, DraftDeadline, Phase
from consult.extensions import db
from consult.moderation.queries import waiting, waiting_count
from tests import factories
from tests.conftest import Auth, csrf_token

SLUG = "quorum"
WORD = "Quorumgeheimwort"  # in the proposed text: no response to an outsider may contain it
REASON = "Begruendungsgeheimnis"  # in the justification
NEW = f"Absatz 2: Die Mitgliedsorganisationen beraten {WORD} über *Teilhabe* und Vielfalt."
PASSWORD = factories.PASSWORD


@pytest.fixture
def world(app):
    """The proposing organisation P (two people), supporters S1..S3 (S1 with two people), an outsider
    organisation O, a moderator without organisation and the board; a public draft with a quorum of 3."""
    orgs = {key: factories.organisation(short_name=key) for key in ("P", "S1", "S2", "S3", "O")}
    for email, org in (("p1", "P"), ("p2", "P"), ("s1", "S1"), ("s1b", "S1"), ("s2", "S2"), ("s3", "S3"), ("o1", "O")):
        factories.user(email=f"{email}@example.org", org=orgs[org])
    factories.user(email="mod@example.org", roles=(Role.MODERATOR,))
    factories.user(email="board@example.org", roles=(Role.BOARD,))
    draft = factories.draft(paragraphs=3, phase=Phase.COMMENTING, slug=SLUG, public=True)
    draft.support_quorum = 3
    db.session.commit()
    return {"draft_id": draft.id, "pid": draft.versions[0].texts[1].paragraph_id}


def _as(client, auth, who: str | None) -> None:
    auth.logout()
    if who:
        auth.login(f"{who}@example.org", PASSWORD)


def _token(client) -> str:
    return csrf_token(client.get("/").get_data(as_text=True))


def _propose(client, auth, world, who="p1", text=NEW, justification=REASON) -> int:
    _as(client, auth, who)
    url = f"/drafts/{SLUG}/paragraphs/{world['pid']}/amendments/new"
    page = client.get(url).get_data(as_text=True)
    response = client.post(
        url, data={"csrf_token": csrf_token(page), "kind": "replace", "text": text, "justification": justification}
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return int(response.headers["Location"].rsplit("/", 1)[1])


def _support(client, auth, amendment_id: int, who: str, withdraw: bool = False, link: str | None = None):
    _as(client, auth, who)
    data = {"csrf_token": _token(client)}
    if withdraw:
        data["withdraw"] = "1"
    if link:
        data["link"] = link
    return client.post(f"/drafts/{SLUG}/amendments/{amendment_id}/support", data=data)


def _amendment(amendment_id: int) -> Amendment:
    db.session.expire_all()
    return db.session.get(Amendment, amendment_id)


def _leaks(client, world, amendment_id: int, who: str | None) -> list[str]:
    """Every path by which the amendment could show, as the person now signed in (`who`): the paths that
    reveal it (its text, justification or address, or a status other than 404 where it is addressed)."""
    aid, pid = amendment_id, world["pid"]
    problems = []

    def hidden_in(name: str, path: str, answers: bool = True) -> None:
        response = client.get(path)
        body = response.get_data(as_text=True)
        if answers and response.status_code != 200:
            problems.append(f"{name} ({path}) answered {response.status_code}")
        if WORD in body or REASON in body or f'/amendments/{aid}"' in body or f"/amendments/{aid}#" in body:
            problems.append(f"{name} ({path}) shows it")

    def not_found(name: str, path: str, post: bool = False, **data) -> None:
        if post:
            response = client.post(path, data={"csrf_token": _token(client), **data})
        else:
            response = client.get(path)
        body = response.get_data(as_text=True)
        if response.status_code != 404 or WORD in body or REASON in body:
            problems.append(f"{name} ({path}) answered {response.status_code}")

    hidden_in("draft page", f"/drafts/{SLUG}")
    hidden_in("draft page, paragraph open", f"/drafts/{SLUG}?open={pid}")
    hidden_in("API", f"/api/v1/drafts/{SLUG}")
    hidden_in("results", f"/drafts/{SLUG}/results", answers=False)  # (only once voting began)
    hidden_in("versions", f"/drafts/{SLUG}/versions")
    not_found("amendment page", f"/drafts/{SLUG}/amendments/{aid}")
    not_found("amendment page, bad link", f"/drafts/{SLUG}/amendments/{aid}?link=forged")
    not_found("discussion fragment", f"/drafts/{SLUG}/paragraphs/{pid}/thread?amendment={aid}")
    if who:
        not_found("edit form", f"/drafts/{SLUG}/amendments/{aid}/edit")
        not_found("support", f"/drafts/{SLUG}/amendments/{aid}/support", post=True)
        not_found("comment", f"/drafts/{SLUG}/amendments/{aid}/comments", post=True, body="Hallo", stance="neutral")
        not_found("report", f"/drafts/{SLUG}/amendments/{aid}/report", post=True, reason="Spam")
    if who in ("mod", "board"):
        hidden_in("moderation queue", "/moderation")
        hidden_in("moderation queue, amendments", "/moderation?kind=amendment")
        db.session.expire_all()
        if any(item.kind == "amendment" and item.obj.id == aid for item in waiting()):
            problems.append("moderation queue (query)")
        others = sum(item.kind == "amendment" and item.obj.id != aid for item in waiting())
        if waiting_count() != others:
            problems.append(f"moderation count {waiting_count()}, other items {others}")
    if who == "board":
        for name in ("md", "html"):
            hidden_in(f"export {name}", f"/drafts/{SLUG}/export/{name}")
    return problems


OUTSIDERS = ("o1", "mod", "board", None)


def test_visible_to_others_exactly_when_the_nth_organisation_supports(client, auth, world):
    aid = _propose(client, auth, world)
    assert _amendment(aid).published_at is None
    link = f"/drafts/{SLUG}/amendments/{aid}?link={link_token(_amendment(aid))}"

    # The proposing organisation sees it, marked as collecting support; nobody else by any path.
    _as(client, auth, "p2")
    assert client.get(f"/drafts/{SLUG}/amendments/{aid}").status_code == 200
    draft_page = client.get(f"/drafts/{SLUG}").get_data(as_text=True)
    assert WORD in draft_page and "sammelt Unterstützung" in draft_page
    for who in OUTSIDERS:
        _as(client, auth, who)
        assert _leaks(client, world, aid, who) == [], who

    # Two supports (N - 1 = 2), one of them withdrawn and given again: still hidden from the others.
    for who in ("s1", "s2"):
        _as(client, auth, who)
        assert client.get(link).status_code == 200
        assert _support(client, auth, aid, who).status_code == 302
    assert _support(client, auth, aid, "s2", withdraw=True).status_code == 302
    assert _support(client, auth, aid, "s2", link=link_token(_amendment(aid))).status_code == 302
    assert _amendment(aid).published_at is None
    _as(client, auth, "s1b")  # a colleague of a supporter, without the link: the organisation supports it
    page = client.get(f"/drafts/{SLUG}/amendments/{aid}").get_data(as_text=True)
    assert WORD in page and "2 von 3 unterstützenden Organisationen" in page
    assert 'id="support-link"' not in page  # the link is the proposer's to share
    for who in OUTSIDERS:
        _as(client, auth, who)
        assert _leaks(client, world, aid, who) == [], who

    # The third: published, once, with an audit row; everyone sees it everywhere.
    _as(client, auth, "s3")
    assert client.get(link).status_code == 200
    assert _support(client, auth, aid, "s3").status_code == 302
    amendment = _amendment(aid)
    assert amendment.published_at is not None
    audit = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "amendment.published")).all()
    assert [(a.subject, a.details["supporters"], a.details["quorum"]) for a in audit] == [(f"amendment:{aid}", 3, 3)]
    _as(client, auth, "o1")
    assert "3 von 3 unterstützenden Organisationen" in client.get(f"/drafts/{SLUG}/amendments/{aid}").get_data(
        as_text=True
    )
    for who in OUTSIDERS:  # (o1's organisation supports it on the way: its support is no longer refused)
        _as(client, auth, who)
        leaks = _leaks(client, world, aid, who)
        assert "amendment page" in " ".join(leaks) and "draft page" in " ".join(leaks), (who, leaks)
        page = client.get(f"/drafts/{SLUG}/amendments/{aid}").get_data(as_text=True)
        assert WORD in page and "von 3 unterstützenden Organisationen" in page and "Veröffentlicht" in page
    _as(client, auth, "mod")
    assert WORD in client.get("/moderation").get_data(as_text=True)

    # Support withdrawn after publication: the amendment stays published.
    assert _support(client, auth, aid, "s1", withdraw=True).status_code == 302
    assert _amendment(aid).published_at == amendment.published_at
    _as(client, auth, "o1")
    assert client.get(f"/drafts/{SLUG}/amendments/{aid}").status_code == 200


def test_the_support_link_opens_the_amendment_to_its_holder_only(client, auth, world):
    aid = _propose(client, auth, world)
    other = _propose(client, auth, world, text=NEW.replace(WORD, "anders"))
    page = client.get(f"/drafts/{SLUG}/amendments/{aid}").get_data(as_text=True)
    # The proposer finds the link on the amendment's page, in a read-only field, with what to do with it.
    shown = re.search(
        r'<input class="input" id="support-link" name="support-link" type="text" readonly '
        r'value="([^"]+)"',
        page,
    )
    assert shown and "Link zum Unterstützen" in page and "Teilen Sie diesen Link mit anderen Organisationen" in page
    assert "0 von 3 unterstützenden Organisationen" in page
    link = shown.group(1).replace("&amp;", "&")
    assert link.startswith("http://localhost/drafts/") and "?link=" in link
    path = link.removeprefix("http://localhost")
    foreign = f"/drafts/{SLUG}/amendments/{aid}?link={link_token(_amendment(other))}"

    _as(client, auth, "o1")
    assert client.get(foreign).status_code == 404  # the link of another amendment opens nothing
    assert client.get(path.replace("?link=", "?link=x")).status_code == 404
    assert client.get(f"/drafts/{SLUG}/amendments/{aid}").status_code == 404
    response = client.get(path)
    assert response.status_code == 200 and WORD in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "private, no-store"
    # ... and stays open to this person (the page, its discussion), not in the lists.
    assert client.get(f"/drafts/{SLUG}/amendments/{aid}").status_code == 200
    assert client.get(f"/drafts/{SLUG}/paragraphs/{world['pid']}/thread?amendment={aid}").status_code == 200
    assert WORD not in client.get(f"/drafts/{SLUG}").get_data(as_text=True)
    assert client.get(f"/drafts/{SLUG}/amendments/{other}").status_code == 404

    # The holder supports it (htmx): the support box and, out of band, the count against the quorum.
    response = client.post(
        f"/drafts/{SLUG}/amendments/{aid}/support", headers={"HX-Request": "true"}, data={"csrf_token": _token(client)}
    )
    fragment = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in fragment and 'id="support-box"' in fragment
    assert 'id="quorum"' in fragment and 'hx-swap-oob="true"' in fragment
    assert "1 von 3 unterstützenden Organisationen" in fragment

    # Someone else of another organisation, without the link, does not see it.
    second = client.application.test_client()
    Auth(second).login("s2@example.org", PASSWORD)
    assert second.get(f"/drafts/{SLUG}/amendments/{aid}").status_code == 404
    assert second.get(path).status_code == 200
    # Nor does whoever signs in next in the first browser: the grant names its holder.
    _as(client, auth, "s1")
    assert client.get(f"/drafts/{SLUG}/amendments/{aid}").status_code == 404


def test_unpublished_lapse_when_commenting_ends_and_show_why(client, auth, world):
    aid = _propose(client, auth, world)
    published = _propose(client, auth, world, text=NEW.replace(WORD, "veröffentlicht"), justification="Offen.")
    for who in ("s1", "s2", "s3"):
        assert _support(client, auth, published, who, link=link_token(_amendment(published))).status_code == 302
    assert _support(client, auth, aid, "s1", link=link_token(_amendment(aid))).status_code == 302
    withdrawn = _propose(client, auth, world, text=NEW.replace(WORD, "zurückgezogen"), justification="Zurück.")
    client.post(f"/drafts/{SLUG}/amendments/{withdrawn}/withdraw", data={"csrf_token": _token(client)})

    # The deadline has passed, the phase not yet changed: the page says so, nothing is written.
    draft = db.session.get(Draft, world["draft_id"])
    draft.deadlines.append(DraftDeadline(phase=Phase.COMMENTING, ends_at=utcnow() - timedelta(minutes=1)))
    db.session.commit()
    _as(client, auth, "p1")
    page = client.get(f"/drafts/{SLUG}/amendments/{aid}").get_data(as_text=True)
    assert "Unterstützungsquorum verfehlt" in page and 'id="support-link"' not in page
    assert _amendment(aid).status == AmendmentStatus.SUBMITTED
    response = _support(client, auth, aid, "s2", link=link_token(_amendment(aid)))
    assert response.status_code == 409 and "Kommentierung" in response.get_data(as_text=True)

    board = db.session.scalars(select(User).where(User.email == "board@example.org")).one()
    change_phase(board, db.session.get(Draft, world["draft_id"]), Phase.EDITING, Phase.COMMENTING, now=utcnow())
    db.session.commit()
    lapsed = _amendment(aid)
    assert (lapsed.status, lapsed.lapse_reason, lapsed.published_at) == (
        AmendmentStatus.LAPSED,
        LapseReason.QUORUM,
        None,
    )
    assert lapsed.decided_at is not None
    assert _amendment(published).status == AmendmentStatus.SUBMITTED
    assert _amendment(withdrawn).status == AmendmentStatus.WITHDRAWN
    audit = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "amendment.lapsed")).all()
    assert [(a.subject, a.actor_id, a.details["supporters"]) for a in audit] == [(f"amendment:{aid}", board.id, 1)]

    # Its organisation (and its supporter) sees it with the reason; nobody else, exports included.
    for who in ("p1", "s1b"):
        _as(client, auth, who)
        page = client.get(f"/drafts/{SLUG}/amendments/{aid}").get_data(as_text=True)
        assert "Erledigt: Unterstützungsquorum nicht erreicht (1 von 3)" in page, who
        assert "durch die Moderation" not in page, who
    for who in OUTSIDERS:
        _as(client, auth, who)
        assert _leaks(client, world, aid, who) == [], who
    # Support of a lapsed amendment is refused with its reason.
    response = _support(client, auth, aid, "s2", link=link_token(_amendment(aid)))
    assert response.status_code == 409 and "Unterstützungsquorum nicht rechtzeitig erreicht" in response.get_data(
        as_text=True
    )


def test_refusals_say_why(client, auth, world):
    aid = _propose(client, auth, world)
    link = link_token(_amendment(aid))
    # The proposing organisation does not count towards its own quorum.
    response = _support(client, auth, aid, "p2")
    assert response.status_code == 422
    assert "Ihre Organisation hat diesen Änderungsantrag gestellt" in response.get_data(as_text=True)
    # An invalid or foreign token opens nothing and reveals nothing.
    for bad in ("", "forged", link[:-2] + "xx", link_token(_amendment(_propose(client, auth, world, text=NEW + " x")))):
        response = _support(client, auth, aid, "o1", link=bad or None)
        assert response.status_code == 404 and WORD not in response.get_data(as_text=True), bad
    # Outside commenting: refused with the phase's message.
    draft = db.session.get(Draft, world["draft_id"])
    draft.phase = Phase.EDITING
    db.session.commit()
    response = _support(client, auth, aid, "s1", link=link)
    assert response.status_code == 409 and "Kommentierungsphase" in response.get_data(as_text=True)
    assert factories.count(AmendmentSupport) == 0
    # A moderator cannot decide an unpublished amendment, even by addressing it directly.
    _as(client, auth, "mod")
    response = client.post(f"/moderation/amendments/{aid}", data={"csrf_token": _token(client), "decision": "accept"})
    assert response.status_code in (403, 404, 409, 422)
    assert _amendment(aid).status == AmendmentStatus.SUBMITTED and _amendment(aid).decided_at is None
