"""The polled state of the room's screens stays cheap while votes come in (issue 16, point 9).

Every vote raises the draft's tally revision, so nearly every poll of the phones renders its block again. What
is the same for everybody (the question, its text, the tally, the projector's counts) is built once per process
for each state of the session (`consult.live.shown`); a poll adds only the person's own part. These tests count
the SQL statements of the phone's and the projector's state on both databases, with few and with many
organisations voting, and check that the shared part never hides what a person's block must show."""

from __future__ import annotations

from consult.core import clock
from consult.extensions import db
from consult.live import services
from consult.votes.models import Choice
from consult.votes.services import cast_vote
from tests import factories
from tests.live.test_screens import _open, _root, draft_request, fixture_room  # noqa: F401  (the fixture room)

PHONE, PROJECTOR = "/drafts/rat/live/state", "/drafts/rat/live/projector/state"


def _more_organisations_voting(app, room, count: int, paragraph_id: int) -> None:
    for n in range(count):
        organisation = factories.organisation(short_name=f"N{n}")
        delegate = factories.user(email=f"n{n}@example.org", org=organisation)
        db.session.commit()
        with draft_request(app):
            services.check_in(room["board"], room["session"], organisation, clock.now())
            db.session.commit()
        cast_vote(delegate, room["draft"], paragraph_id, (Choice.YES, Choice.NO)[n % 2], clock.now())
        db.session.commit()


def _costs(client, count_queries, room, paragraph_id: int, choice: Choice) -> dict[str, int]:
    """The statements of each poll after another organisation's vote: the first phone poll (which builds the
    tally for this state), a second one (everything shared is built), the projector (its counts built)."""
    client.get(PHONE)  # the question itself is built once per draft revision (check-ins raise it)
    cast_vote(room["x1"], room["draft"], paragraph_id, choice, clock.now())
    db.session.commit()
    costs = {}
    for label, path in (("phone, first after the vote", PHONE), ("phone, again", PHONE), ("projector", PROJECTOR)):
        with count_queries() as counter:
            assert client.get(path).status_code == 200
        costs[label] = counter.count
    return costs


def test_the_phone_and_the_projector_state_take_a_few_statements_however_many_organisations_vote(
    app, room, client, auth, count_queries
):
    item = room["session"].items[0]
    _open(app, room)
    auth.login("a1@example.org", factories.PASSWORD)
    few = _costs(client, count_queries, room, item.paragraph_id, Choice.YES)
    _more_organisations_voting(app, room, 12, item.paragraph_id)
    many = _costs(client, count_queries, room, item.paragraph_id, Choice.NO)
    page = client.get(PROJECTOR).get_data(as_text=True)
    assert "13 von 14 angemeldeten Organisationen haben abgestimmt" in page
    print(f"\nstatements with 1 / 13 organisations voting: {few} / {many}")
    assert many == few
    # The person and the draft with its state (the ETag); the tally, the choices and the proxies once per state.
    assert few["phone, again"] == 2
    assert few["phone, first after the vote"] <= 5
    assert few["projector"] <= 6


def test_a_colleagues_vote_shows_on_the_next_poll_although_the_shared_part_is_built(app, room, client, auth):
    """The organisation's choice is the person's part: a vote of a colleague (same organisation) changes the
    state's ETag and the block shows it, while the question's text comes from what was built before."""
    item = room["session"].items[0]
    colleague = factories.user(email="a2@example.org", org=room["abc"])
    db.session.commit()
    _open(app, room)
    auth.login("a1@example.org", factories.PASSWORD)
    first = client.get(PHONE)
    assert "Ihre Organisation hat abgestimmt" not in first.get_data(as_text=True)
    cast_vote(colleague, room["draft"], item.paragraph_id, Choice.NO, clock.now())
    db.session.commit()
    second = client.get(PHONE, headers={"If-None-Match": first.headers["ETag"]})
    state = second.get_data(as_text=True)
    assert second.status_code == 200 and second.headers["ETag"] != first.headers["ETag"]
    assert "Ihre Organisation hat abgestimmt: <strong>Nein</strong>" in state
    assert 'aria-pressed="true"' in state and "Nein <strong>1</strong>" in state
    assert _root(state, "current-question")["data-item"] == str(item.id)


def test_another_language_gets_its_own_words(app, room, client, auth):
    """The shared part is kept per language: a person reading English after one reading German sees English."""
    _open(app, room)
    auth.login("a1@example.org", factories.PASSWORD)
    assert "Aktuelle Frage" in client.get(PHONE).get_data(as_text=True)
    room["a1"].locale = "en"
    db.session.commit()
    english = client.get(PHONE).get_data(as_text=True)
    assert "Current question" in english and "Vote on §" in english
