"""Every path that creates something, as one POST built from the page that shows its form.

Shared by tests/core/test_once.py (the Flask test client, both databases) and
tests/core/test_once_parallel.py (real parallel requests to gunicorn workers).
Each path reads its page with `get(path, htmx=False) -> html`, finds the form's
one-time key there, and returns the request to send twice; `created()` counts
what the path creates, so a test can see that it was stored once.
"""

from __future__ import annotations

import html as htmllib
import re
from dataclasses import dataclass, field
from typing import Callable

from sqlalchemy import select

from consult.accounts.models import Role
from consult.amendments.models import Amendment, AmendmentKind, AmendmentSupport
from consult.amendments.services import Decision, decide, propose
from consult.comments.models import Comment, Stance
from consult.comments.services import post_comment
from consult.core import clock
from consult.drafts.models import Draft, Phase, Version
from consult.drafts.services import current_text
from consult.extensions import db
from consult.invitations.models import Invitation
from consult.moderation.models import Report
from consult.organisations.models import Organisation
from consult.votes.models import VoteCast
from tests import factories

FORM = re.compile(r"<form\b.*?</form>", re.S)
ONCE = re.compile(r'name="once_key" value="([^"]*)"')
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|"X-CSRFToken":\s*"([^"]+)"')


@dataclass
class Post:
    url: str
    data: dict
    htmx: bool = False
    files: dict = field(default_factory=dict)  # name -> (filename, bytes)


@dataclass
class CreatePath:
    name: str
    person: str  # the e-mail of who sends it
    prepare: Callable[[dict, Callable], Post]
    created: Callable[[], int]  # how many rows of what it creates exist
    rows: int = 1  # how many one sending creates
    # The list import answers its first sending with the page and its report, a second one with
    # a redirect to the list and "already sent" (the report is not kept).
    same_answer: bool = True


def key_of_form(html: str, marker: str) -> str:
    """The one-time key of the first form on the page whose markup contains `marker`."""
    for form in FORM.findall(html):
        if marker in form:
            match = ONCE.search(form)
            assert match, f"the form with {marker!r} has no one-time key"
            return match.group(1)
    raise AssertionError(f"no form with {marker!r} on the page")


def csrf_of(html: str) -> str:
    match = CSRF.search(htmllib.unescape(html))
    assert match, "no CSRF token on the page"
    return match.group(1) or match.group(2)


def count(model, *where) -> int:
    db.session.expire_all()
    return len(db.session.scalars(select(model.id).where(*where)).all())


def world() -> dict:
    """Two member organisations, an admin, a draft in its commenting phase with a published
    comment and an amendment of XYZ, and a draft in its voting phase. Committed."""
    org, other = factories.organisation(short_name="ABC"), factories.organisation(short_name="XYZ")
    a1 = factories.user(email="a1@example.org", org=org)
    x1 = factories.user(email="x1@example.org", org=other)
    factories.user(email="admin@example.org", roles=(Role.ADMIN,))
    moderator = factories.user(email="mod@example.org", roles=(Role.MODERATOR,))
    factories.user(email="board@example.org", roles=(Role.BOARD,))
    draft = factories.draft(paragraphs=3, phase=Phase.COMMENTING, slug="teilhabe")
    voting = factories.draft(paragraphs=3, phase=Phase.VOTING, slug="abstimmung")
    db.session.flush()
    text = current_text(draft, draft.versions[0].texts[1].paragraph_id)
    now = clock.now()
    comment = post_comment(x1, draft, text, "Ein Beitrag von XYZ.", Stance.SUPPORT, now)
    amendment = propose(x1, draft, text, AmendmentKind.REPLACE, text.text + " Gemeinsam.", "Weil es besser ist.", now)
    # A draft with an accepted amendment, so that a new version can be started.
    editing = factories.draft(paragraphs=3, phase=Phase.COMMENTING, slug="fassung")
    db.session.flush()
    etext = current_text(editing, editing.versions[0].texts[1].paragraph_id)
    accepted = propose(x1, editing, etext, AmendmentKind.REPLACE, etext.text + " Neu.", "Besser.", now)
    decide(moderator, accepted, editing, Decision.ACCEPT, "Einverstanden.", now)
    ids = {
        "pid": text.paragraph_id,
        "comment_id": comment.id,
        "amendment_id": amendment.id,
        "vote_pid": voting.versions[0].texts[1].paragraph_id,
        "a1": a1.id,
        "org_id": org.id,
    }
    db.session.commit()
    return ids


def _thread(w: dict, get) -> str:
    return get(f"/drafts/teilhabe/paragraphs/{w['pid']}/thread", htmx=True)


def _comment(htmx: bool):
    def prepare(w, get):
        html = _thread(w, get)
        return Post(
            f"/drafts/teilhabe/paragraphs/{w['pid']}/comments",
            {
                "csrf_token": csrf_of(get("/drafts/teilhabe")),
                "once_key": key_of_form(html, "comment-form"),
                "body": "Einmal, und nur einmal.",
                "stance": "concern",
            },
            htmx=htmx,
        )

    return prepare


def _reply(w, get):
    html = _thread(w, get)
    return Post(
        f"/drafts/teilhabe/paragraphs/{w['pid']}/comments",
        {
            "csrf_token": csrf_of(get("/drafts/teilhabe")),
            "once_key": key_of_form(html, f'name="parent_id" value="{w["comment_id"]}"'),
            "parent_id": str(w["comment_id"]),
            "stance": "neutral",
            "body": "Eine Antwort.",
        },
        htmx=True,
    )


def _amendment_page(w, get) -> str:
    return get(f"/drafts/teilhabe/amendments/{w['amendment_id']}")


def _comment_on_amendment(w, get):
    html = _amendment_page(w, get)
    return Post(
        f"/drafts/teilhabe/amendments/{w['amendment_id']}/comments",
        {
            "csrf_token": csrf_of(html),
            "once_key": key_of_form(html, "comment-form"),
            "body": "Zum Änderungsantrag.",
            "stance": "support",
        },
    )


def _amend(w, get):
    url = f"/drafts/teilhabe/paragraphs/{w['pid']}/amendments/new"
    html = get(url)
    return Post(
        url,
        {
            "csrf_token": csrf_of(html),
            "once_key": key_of_form(html, "amendment-form"),
            "kind": "replace",
            "text": "Absatz 2: Ganz neu gefasst.",
            "justification": "Klarer.",
        },
    )


def _support(w, get):
    html = _amendment_page(w, get)
    url = f"/drafts/teilhabe/amendments/{w['amendment_id']}/support"
    return Post(url, {"csrf_token": csrf_of(html), "once_key": key_of_form(html, f'action="{url}"')}, htmx=True)


def _report_comment(w, get):
    html = _thread(w, get)
    return Post(
        f"/comments/{w['comment_id']}/report",
        {
            "csrf_token": csrf_of(get("/drafts/teilhabe")),
            "once_key": key_of_form(html, f'action="/comments/{w["comment_id"]}/report"'),
            "reason": "Das ist beleidigend.",
        },
        htmx=True,
    )


def _report_amendment(w, get):
    html = _amendment_page(w, get)
    url = f"/drafts/teilhabe/amendments/{w['amendment_id']}/report"
    return Post(
        url, {"csrf_token": csrf_of(html), "once_key": key_of_form(html, f'action="{url}"'), "reason": "Unsachlich."}
    )


def _invite(w, get):
    html = get("/invitations")
    return Post(
        "/invitations",
        {
            "csrf_token": csrf_of(html),
            "once_key": key_of_form(html, 'action="/invitations"'),
            "email": "neu@example.org",
            "organisation": str(w["org_id"]),
            "roles": "delegate",
            "language": "de",
        },
    )


def _import(w, get):
    html = get("/invitations")
    return Post(
        "/invitations/import",
        {"csrf_token": csrf_of(html), "language": "de", "once_key": key_of_form(html, 'action="/invitations/import"')},
        files={
            "upload": (
                "liste.csv",
                "E-Mail;Organisation;Rolle\nl1@example.org;ABC;delegate\nl2@example.org;ABC;delegate\n".encode(),
            )
        },
    )


def _vote(htmx: bool):
    def prepare(w, get):
        html = get("/drafts/abstimmung")
        if htmx:  # the box's own key, which htmx sends with hx-vals
            box = re.search(rf'id="vote-{w["vote_pid"]}"[^>]*hx-vals=\'{{"once_key": "([^"]+)"}}\'', html)
            assert box, "the vote box has no one-time key"
            key = box.group(1)
        else:
            key = key_of_form(html, 'id="vote-form"')
        return Post(
            "/drafts/abstimmung/votes",
            {"csrf_token": csrf_of(html), "once_key": key, "vote": f"{w['vote_pid']}:yes"},
            htmx=htmx,
        )

    return prepare


def _new_draft(w, get):
    html = get("/drafts/new")
    return Post(
        "/drafts/new",
        {
            "csrf_token": csrf_of(html),
            "once_key": key_of_form(html, 'action="/drafts/new"'),
            "title": "Neuer Entwurf",
            "slug": "neuer-entwurf",
            "markdown": "# Titel\n\nErster Absatz.\n",
        },
    )


def _new_organisation(w, get):
    html = get("/admin/organisations/new")
    return Post(
        "/admin/organisations/new",
        {
            "csrf_token": csrf_of(html),
            "once_key": key_of_form(html, 'action="/admin/organisations/new"'),
            "name": "Neuer Verein e.V.",
            "short_name": "NEU",
            "state": "Berlin",
            "level": "state",
            "is_member": "y",
            "vote_weight": "1",
        },
    )


def _new_version(w, get):
    html = get("/drafts/fassung/versions")
    return Post(
        "/drafts/fassung/versions",
        {"csrf_token": csrf_of(html), "once_key": key_of_form(html, 'action="/drafts/fassung/versions"')},
    )


def _replies() -> int:
    return count(Comment, Comment.parent_id.is_not(None))


PATHS = [
    CreatePath("comment (htmx)", "a1@example.org", _comment(htmx=True), lambda: count(Comment)),
    CreatePath("comment (plain form)", "a1@example.org", _comment(htmx=False), lambda: count(Comment)),
    CreatePath("reply", "a1@example.org", _reply, _replies),
    CreatePath(
        "comment on an amendment",
        "a1@example.org",
        _comment_on_amendment,
        lambda: count(Comment, Comment.amendment_id.is_not(None)),
    ),
    CreatePath("amendment", "a1@example.org", _amend, lambda: count(Amendment)),
    CreatePath("support", "a1@example.org", _support, lambda: count(AmendmentSupport)),
    CreatePath(
        "report of a comment", "a1@example.org", _report_comment, lambda: count(Report, Report.comment_id.is_not(None))
    ),
    CreatePath(
        "report of an amendment",
        "a1@example.org",
        _report_amendment,
        lambda: count(Report, Report.amendment_id.is_not(None)),
    ),
    CreatePath("invitation", "admin@example.org", _invite, lambda: count(Invitation)),
    CreatePath(
        "invitation list (CSV)", "admin@example.org", _import, lambda: count(Invitation), rows=2, same_answer=False
    ),
    CreatePath("vote (htmx)", "a1@example.org", _vote(htmx=True), lambda: count(VoteCast)),
    CreatePath("vote (plain form)", "a1@example.org", _vote(htmx=False), lambda: count(VoteCast)),
    CreatePath("draft", "board@example.org", _new_draft, lambda: count(Draft)),
    CreatePath("organisation", "admin@example.org", _new_organisation, lambda: count(Organisation)),
    CreatePath("version", "board@example.org", _new_version, lambda: count(Version)),
]


def same_answer(body: str) -> str:
    """A body with the fresh keys and tokens of its new empty forms blanked, for comparing two answers."""
    body = ONCE.sub('name="once_key" value=""', body)
    body = re.sub(r'"once_key": "[^"]*"', '"once_key": ""', body)
    return re.sub(r'(name="csrf_token"[^>]*value=)"[^"]+"', r'\1""', body)
