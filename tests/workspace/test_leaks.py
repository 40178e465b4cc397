"""The leak test: an organisation's internal drafts and internal comments reach nobody outside it, by any path.

One organisation prepares an internal comment and an internal amendment (each with internal comments) and
submits a third internal amendment (its public text is public, its internal comments are not); every text
of theirs that is not public carries MARKER. Then a delegate of another organisation, a moderator, a board
member, an admin and an anonymous visitor request every GET route of the app (taken from its url_map, so
that a route added later is requested too, or the test says which ids it needs), plain and as htmx, with
every id the seed made: MARKER never appears, the workspace's own routes answer 404 (anonymous: the sign-in
page), and the counts of comments and amendments, the draft's revision, are what they were before the
internal drafts existed. Runs on both databases."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from flask import url_for
from sqlalchemy import func, select

from consult.accounts.models import Role
from consult.amendments.models import Amendment, AmendmentKind
from consult.amendments.services import propose
from consult.comments.models import Comment, Stance
from consult.comments.queries import published_count_by_draft, published_count_by_paragraph
from consult.comments.services import post_comment
from consult.core import clock
from consult.drafts.models import Draft, Phase
from consult.drafts.services import current_text
from consult.exports.formats import FORMATS
from consult.extensions import db
from consult.notifications.models import Notification, NotificationMode, NotificationSetting
from consult.scheduled import run_scheduled
from consult.workspace.models import InternalKind
from consult.workspace.notices import ask_colleagues
from consult.workspace.services import InternalText, add_note, agree, start_internal, submit_internal
from tests import factories
from tests.conftest import Auth, csrf_token

MARKER = "ZQXJ-INTERN-7781"
NEW = "Absatz 2: Die Mitgliedsorganisationen beraten gemeinsam über *Teilhabe* und Vielfalt."
VIEWERS = ["other_delegate", "moderator", "board", "admin", "anonymous"]
# Binary formats rendered by WeasyPrint take seconds each; the PDFs are made from the same document as the
# HTML and DOCX, which are checked.
SKIPPED_FORMATS = {"pdf", "changes.pdf"}


def _counts(draft: Draft) -> dict:
    db.session.expire_all()
    return {
        "comments_by_draft": published_count_by_draft([draft.id]),
        "comments_by_paragraph": published_count_by_paragraph(draft.id),
        "comment_rows": db.session.scalar(select(func.count()).select_from(Comment)),
        "amendment_rows": db.session.scalar(select(func.count()).select_from(Amendment)),
        "revision": db.session.get(Draft, draft.id).revision,
    }


@pytest.fixture
def seeded(app):
    now = clock.now()
    org, other = factories.organisation(short_name="INN"), factories.organisation(short_name="AUS")
    people = {
        "author": factories.user(email="author@example.org", org=org, name="Ada Autorin"),
        "colleague": factories.user(email="colleague@example.org", org=org, name="Kai Kollege"),
        "other_delegate": factories.user(email="other@example.org", org=other, name="Olga Andere"),
        "moderator": factories.user(email="mod@example.org", roles=(Role.MODERATOR,)),
        "board": factories.user(email="board@example.org", roles=(Role.BOARD,)),
        "admin": factories.user(email="admin@example.org", roles=(Role.ADMIN,)),
    }
    draft = factories.draft(paragraphs=4, phase=Phase.COMMENTING, slug="geheim")
    draft.is_public = True
    db.session.flush()
    pid = draft.versions[0].texts[1].paragraph_id
    text = current_text(draft, pid)
    # Public content, so that threads, amendment pages and lists have something to show.
    public_comment = post_comment(
        people["other_delegate"], draft, text, "Ein öffentlicher Kommentar.", Stance.NEUTRAL, now
    )
    public_amendment = propose(
        people["other_delegate"], draft, text, AmendmentKind.DELETE, None, "Öffentlich begründet.", now
    )
    db.session.commit()
    before = _counts(draft)

    author, colleague = people["author"], people["colleague"]
    # Both opted into notifications at once: the requests to agree are recorded (and, where the notifications
    # write e-mails, mailed: the outbox and its admin page are among the paths requested below).
    for person in (author, colleague):
        db.session.add(NotificationSetting(user_id=person.id, mode=NotificationMode.IMMEDIATE))
    comment_draft = start_internal(
        author,
        draft,
        text,
        InternalKind.COMMENT,
        InternalText(body=f"Interner Kommentar {MARKER}", stance=Stance.CONCERN, quote="Mitgliedsorganisationen"),
        now,
    )
    amendment_draft = start_internal(
        author,
        draft,
        text,
        InternalKind.AMENDMENT,
        InternalText(
            amendment_kind=AmendmentKind.REPLACE,
            proposed_text=NEW.replace("gemeinsam", f"gemeinsam {MARKER}"),
            justification=f"Interne Begründung {MARKER}",
        ),
        now,
    )
    submitted = start_internal(
        author,
        draft,
        text,
        InternalKind.AMENDMENT,
        InternalText(
            amendment_kind=AmendmentKind.INSERT,
            proposed_text="Ein neuer Absatz der Organisation.",
            justification="Öffentliche Begründung der Organisation.",
        ),
        now,
    )
    for internal in (comment_draft, amendment_draft, submitted):
        add_note(colleague, internal, draft, f"Interne Anmerkung {MARKER}", now)
        with app.test_request_context():
            ask_colleagues(author, draft, internal, text.position, now)
    agree(colleague, amendment_draft, draft, amendment_draft.text_revision, now)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 3  # Kai asked three times
    unsubmitted = _counts(draft)
    submitted_amendment = submit_internal(author, submitted, draft, text, submitted.text_revision, now)
    db.session.commit()
    with app.test_request_context():
        run_scheduled(now)
    db.session.commit()
    ids = {
        "slug": draft.slug,
        "paragraph_id": pid,
        "public_comment": public_comment.id,
        "amendments": [public_amendment.id, submitted_amendment.id],
        "internals": [comment_draft.id, amendment_draft.id, submitted.id],
        "organisation_id": org.id,
        "person_ids": [author.id, colleague.id],
        "emails": {name: person.email for name, person in people.items()},
    }
    return {"draft": draft, "before": before, "unsubmitted": unsubmitted, "ids": ids}


def _urls(app, ids: dict) -> list[str]:
    """Every GET route of the app with the seeded ids (several where there are several). A rule with an
    argument this test does not know fails the test: a new route must say what to request."""
    values = {
        "slug": [ids["slug"]],
        "paragraph_id": [ids["paragraph_id"]],
        "amendment_id": ids["amendments"],
        "internal_id": ids["internals"],
        "organisation_id": [ids["organisation_id"]],
        "person_id": ids["person_ids"],
        "number": [1],
        "language": ["en", "tr", "ar"],
        "name": [name for name in FORMATS if name not in SKIPPED_FORMATS],
        "token": ["nothing-here"],
    }
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        unknown = set(rule.arguments) - set(values)
        assert not unknown, f"the leak test does not know what to put for {unknown} in {rule.rule}"
        combos = [{}]
        for argument in sorted(rule.arguments):
            combos = [{**combo, argument: value} for combo in combos for value in values[argument]]
        with app.test_request_context():
            urls += [url_for(rule.endpoint, **combo) for combo in combos]
    slug, pid = ids["slug"], ids["paragraph_id"]
    # The draft page's ranges and open threads, its fragments and the jump, with their query strings.
    urls += [
        f"/drafts/{slug}?open={pid}",
        f"/drafts/{slug}?from=1",
        f"/drafts/{slug}?from=3",
        f"/drafts/{slug}/paragraphs?from=1",
        f"/drafts/{slug}/paragraphs?from=3",
        f"/drafts/{slug}/paragraphs/{pid}/thread?page=1",
        f"/drafts/{slug}/jump?to=2",
        f"/drafts/{slug}/paragraphs/{pid}/thread?amendment={ids['amendments'][1]}",
        f"/drafts/{slug}/export/comments.csv?version=1",
        "/moderation?status=all",
        "/audit?draft=" + slug,
    ]
    return urls


def _text(response) -> str:
    body = response.get_data()
    if body[:2] == b"PK":  # a DOCX: its XML parts
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            return " ".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())
    return body.decode("utf-8", "replace")


@pytest.mark.parametrize("viewer", VIEWERS)
def test_nothing_internal_reaches_anyone_outside_the_organisation(app, client, seeded, viewer):
    ids = seeded["ids"]
    if viewer != "anonymous":
        Auth(client).login(ids["emails"][viewer], factories.PASSWORD)
    checked = 0
    for url in _urls(app, ids):
        for headers in ({}, {"HX-Request": "true"}):
            response = client.get(url, headers=headers)
            assert MARKER not in _text(response), f"{viewer} read internal text at {url} {headers}"
            checked += 1
            if "/workspace" in url:
                # The other delegate has a workspace of their own organisation (empty); an internal draft of the
                # first one is 404 for them as for the office, the board and admins.
                own = viewer == "other_delegate" and not any(f"/workspace/{i}" in url for i in ids["internals"])
                expected = (302,) if viewer == "anonymous" else (200,) if own else (404,)
                assert response.status_code in expected, f"{viewer} got {response.status_code} at {url}"
    assert checked > 100
    # The other delegate's own data download holds nothing of the organisation's workspace.
    if viewer == "other_delegate":
        assert MARKER not in client.get("/account/data.json").get_data(as_text=True)
    # Counts and the draft's revision are as they were before the internal drafts, but for the one submitted.
    after = _counts(seeded["draft"])
    before = seeded["before"]
    # Preparing internal drafts (texts, internal comments, agreements) moved nothing, not even the revision
    # that keys the draft's cached pages.
    assert seeded["unsubmitted"] == before
    assert after["comments_by_draft"] == before["comments_by_draft"]
    assert after["comments_by_paragraph"] == before["comments_by_paragraph"]
    assert after["comment_rows"] == before["comment_rows"]
    assert after["amendment_rows"] == before["amendment_rows"] + 1  # the submitted one, and only it


def test_the_workspace_posts_answer_404_outside_the_organisation(app, client, seeded):
    ids = seeded["ids"]
    Auth(client).login(ids["emails"]["other_delegate"], factories.PASSWORD)
    page = client.get(f"/drafts/{ids['slug']}").get_data(as_text=True)
    token = csrf_token(page)
    internal = ids["internals"][1]
    for action in ("", "/agreement", "/discard", "/submit", "/notes"):
        response = client.post(
            f"/drafts/{ids['slug']}/workspace/{internal}{action}",
            data={"csrf_token": token, "text_revision": "1", "body": "x"},
        )
        assert response.status_code == 404, action
    # The other delegate may start their OWN organisation's draft; it never lands in the first organisation's.
    new = f"/drafts/{ids['slug']}/paragraphs/{ids['paragraph_id']}/workspace/new?kind=amendment"
    assert (
        client.post(new, data={"csrf_token": token, "kind": "delete", "justification": "Olgas Entwurf"}).status_code
        == 302
    )
    Auth(client).logout()
    Auth(client).login(ids["emails"]["author"], factories.PASSWORD)
    listing = client.get(f"/drafts/{ids['slug']}/workspace").get_data(as_text=True)
    assert "Olgas Entwurf" not in listing and "Olga Andere" not in listing


def test_a_colleagues_data_download_holds_only_what_they_wrote_and_the_authors_holds_their_texts(app, client, seeded):
    ids = seeded["ids"]
    Auth(client).login(ids["emails"]["colleague"], factories.PASSWORD)
    data = json.loads(client.get("/account/data.json").get_data(as_text=True))
    # Kai wrote the internal comments (they carry MARKER) and agreed once; he wrote no internal draft's text.
    assert len(data["internal_notes"]) == 3 and all(MARKER in note["text"] for note in data["internal_notes"])
    assert data["internal_drafts"] == []
    assert [row["text_revision"] for row in data["internal_agreements"]] == [1]
    Auth(client).logout()
    Auth(client).login(ids["emails"]["author"], factories.PASSWORD)
    data = json.loads(client.get("/account/data.json").get_data(as_text=True))
    texts = json.dumps(data["internal_drafts"], ensure_ascii=False)
    assert len(data["internal_drafts"]) == 3 and f"Interne Begründung {MARKER}" in texts
    assert data["internal_notes"] == []  # Kai's internal comments are his, not Ada's
