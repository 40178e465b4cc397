"""The main flow's pages, per role: who signs in, which pages they use, and how to open each one.

One list for every browser test that walks the whole platform (tests/browser/test_pages_matrix.py checks
each page for accessibility, sideways scrolling and tap targets in German and Arabic). The demo
(consult.demo) holds two drafts and comments only; `seed_main_flow()` adds what the rest of the flow needs,
so that every page shows real content rather than an empty state:

- an amendment to § 9 of the commenting draft, with a report of a comment waiting in the moderation queue;
- a commenting draft with two published versions (the versions list, a version, the comparison);
- a voting draft with a running live session (the chair's page, a delegate's page, the projector);
- an adopted position (the public page of the adopted text);
- the demo delegate as contact person of their organisation (the invitations page).

A page is a `Screen`: its address (a function of the seeded `Facts`), a CSS selector that is visible once
the page is ready, and optionally a step done on the page (opening a thread in place). The chair of a live
session is the board or a moderator (consult.live.permissions.can_chair), so "office" is no separate role.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from playwright.sync_api import Page, expect
from sqlalchemy import select

from consult.accounts.models import User
from consult.amendments.models import AmendmentKind
from consult.amendments.services import propose
from consult.comments.models import Comment
from consult.core.db import utcnow
from consult.demo.content import DELEGATES, STAFF
from consult.demo.services import HERE, demo_email
from consult.drafts.models import DraftDeadline, Phase, VersionStatus
from consult.drafts.services import build_version, get_by_slug, import_draft, paragraph_texts
from consult.extensions import db
from consult.live.services import start_session
from consult.mail.models import OutboxMessage
from consult.moderation.services import report
from consult.organisations.models import Organisation

COMMENTING = "participation-law"  # demo: public, commenting, with threads
VOTING = "diversity-council"  # demo: voting, with tallies
VERSIONED = "matrix-versions"  # two published versions
LIVE = "matrix-live"  # voting, its live session running
ADOPTED = "matrix-adopted"  # adopted: the public position page

AMENDED_POSITION = 9  # § 9 of the commenting draft gets the amendment
THREAD_POSITION = 8  # § 8 of the commenting draft has a comment with a reply

DELEGATE = demo_email(DELEGATES["IEB"][0], "IEB")
REPORTER = demo_email(DELEGATES["NAVE"][0], "NAVE")
MODERATOR = demo_email(STAFF["moderator"])
BOARD = demo_email(STAFF["board"])
ADMIN = demo_email(STAFF["admin"])


@dataclass(frozen=True)
class Facts:
    """The ids the pages' addresses need, read once after seeding."""

    amended_paragraph_id: int
    amendment_id: int
    person_id: int
    organisation_id: int


@dataclass(frozen=True)
class Screen:
    """One page of the main flow: `name` for the report, `path(facts)` its address, `ready` a selector visible
    once it is shown, `step` something done on it after loading (e.g. opening a thread in place)."""

    name: str
    path: Callable[[Facts], str]
    ready: str = "main h1"
    step: Callable[[Page], None] | None = None


@dataclass(frozen=True)
class Role:
    name: str
    email: str | None  # None: not signed in
    screens: tuple[Screen, ...] = field(default_factory=tuple)


# -- Steps ------------------------------------------------------------------------------------------------


def open_thread(position: int) -> Callable[[Page], None]:
    """Open § `position`'s comments in place (the thread with its comments and form appears)."""

    def step(page: Page) -> None:
        page.locator(f"#p{position} .comment-count").first.click()
        expect(page.locator(f"#p{position} .comment").first).to_be_visible()

    return step


def fail_sign_in(page: Page) -> None:
    """Send the sign-in form with a wrong password: the page with the error message."""
    page.locator("input[name=email]").fill(DELEGATE)
    page.locator("input[name=password]").fill("not-the-password")
    page.locator("main form[action$='/login'] button[type=submit]").click()
    expect(page.get_by_role("alert")).to_be_visible()


# -- The pages --------------------------------------------------------------------------------------------


def _s(name: str, path: str | Callable[[Facts], str], ready: str = "main h1", step=None) -> Screen:
    return Screen(name, path if callable(path) else (lambda _facts, p=path: p), ready, step)


DRAFT_LIST = _s("draft-list", "/")
DRAFT_COMMENTING = _s("draft-commenting", f"/drafts/{COMMENTING}", "li.paragraph")
THREAD = _s("thread-open", f"/drafts/{COMMENTING}", "li.paragraph", open_thread(THREAD_POSITION))
DRAFT_VOTING = _s("draft-voting", f"/drafts/{VOTING}", ".vote-box")
RESULTS = _s("results", f"/drafts/{VOTING}/results")
AMENDMENT = _s("amendment", lambda f: f"/drafts/{COMMENTING}/amendments/{f.amendment_id}")
AMENDMENT_FORM = _s(
    "amendment-form",
    lambda f: f"/drafts/{COMMENTING}/paragraphs/{f.amended_paragraph_id}/amendments/new",
    "main form textarea",
)
VERSIONS = _s("versions", f"/drafts/{VERSIONED}/versions")
VERSION = _s("version", f"/drafts/{VERSIONED}/versions/1")
COMPARE = _s("compare", f"/drafts/{VERSIONED}/compare?from=1&to=2")
LIVE_SESSION = _s("live-session", f"/drafts/{LIVE}/live")
PROJECTOR = _s("projector", f"/drafts/{LIVE}/live/projector", "#projector-screen")
LIVE_START = _s("live-start", f"/drafts/{VOTING}/live/start")
POSITION = _s("position", f"/positions/{ADOPTED}")
ACCOUNT = _s("account", "/account")
TWO_FACTOR = _s("two-factor", "/account/two-factor")
INVITATIONS = _s("invitations", "/invitations")
QUEUE = _s("moderation-queue", "/moderation")
AUDIT = _s("audit-log", "/audit")
NEW_DRAFT = _s("board-new-draft", "/drafts/new")
SETTINGS = _s("board-settings", f"/drafts/{COMMENTING}/settings")
PHASE = _s("board-phase", f"/drafts/{COMMENTING}/phase?to=editing")
ORGANISATIONS = _s("admin-organisations", "/admin/organisations")
ORGANISATION = _s("admin-organisation", lambda f: f"/admin/organisations/{f.organisation_id}")
NEW_ORGANISATION = _s("admin-new-organisation", "/admin/organisations/new")
PEOPLE = _s("admin-people", "/admin/people")
PERSON = _s("admin-person", lambda f: f"/admin/people/{f.person_id}")
OUTBOX = _s("admin-outbox", "/admin/outbox")

ROLES: tuple[Role, ...] = (
    Role(
        "anonymous",
        None,
        (
            _s("sign-in", "/login"),
            _s("sign-in-error", "/login", "main h1", fail_sign_in),
            _s("password-forgot", "/password/forgot"),
            DRAFT_LIST,
            DRAFT_COMMENTING,
            POSITION,
        ),
    ),
    Role(
        "delegate",
        DELEGATE,
        (
            DRAFT_LIST,
            DRAFT_COMMENTING,
            THREAD,
            AMENDMENT,
            AMENDMENT_FORM,
            DRAFT_VOTING,
            RESULTS,
            VERSIONS,
            COMPARE,
            LIVE_SESSION,
            POSITION,
            ACCOUNT,
            INVITATIONS,
        ),
    ),
    Role(
        "moderator",
        MODERATOR,
        (
            DRAFT_LIST,
            QUEUE,
            AUDIT,
            DRAFT_COMMENTING,
            THREAD,
            AMENDMENT,
            VERSIONS,
            VERSION,
            COMPARE,
            LIVE_SESSION,
            PROJECTOR,
            ACCOUNT,
        ),
    ),
    Role(
        "board",
        BOARD,
        (
            DRAFT_LIST,
            DRAFT_COMMENTING,
            AMENDMENT,
            NEW_DRAFT,
            SETTINGS,
            PHASE,
            DRAFT_VOTING,
            RESULTS,
            LIVE_START,
            LIVE_SESSION,
            PROJECTOR,
            VERSIONS,
            QUEUE,
            AUDIT,
            ACCOUNT,
            TWO_FACTOR,
        ),
    ),
    Role(
        "admin",
        ADMIN,
        (
            DRAFT_LIST,
            ORGANISATIONS,
            ORGANISATION,
            NEW_ORGANISATION,
            PEOPLE,
            PERSON,
            INVITATIONS,
            OUTBOX,
            AUDIT,
            ACCOUNT,
        ),
    ),
)


def cases() -> list[tuple[Role, Screen]]:
    """Every (role, page) of the main flow."""
    return [(role, screen) for role in ROLES for screen in role.screens]


# -- Seeding ----------------------------------------------------------------------------------------------


def _user(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def _import(slug: str, file: str, title: str, phase: Phase) -> object:
    draft = import_draft((HERE / file).read_text(encoding="utf-8"), title, slug)
    draft.phase = phase
    draft.deadlines.append(DraftDeadline(phase=phase, ends_at=utcnow() + timedelta(days=5)))
    db.session.flush()
    return draft


def seed_main_flow() -> Facts:
    """Add to the seeded demo what the main flow's pages need (see the module's docstring); flushes."""
    now = utcnow()
    delegate, reporter, board = _user(DELEGATE), _user(REPORTER), _user(BOARD)
    delegate.is_contact_person = True

    commenting = get_by_slug(COMMENTING)
    texts = paragraph_texts(commenting.versions[0])
    amended = texts[AMENDED_POSITION - 1]
    amendment = propose(
        delegate,
        commenting,
        amended,
        AmendmentKind.REPLACE,
        amended.text.replace("sollen", "müssen", 1) + " Neu.",
        "Eine Pflicht wirkt besser als eine Empfehlung.",
        now,
    )
    comment = db.session.scalar(select(Comment).where(Comment.parent_id.is_(None)).order_by(Comment.id).limit(1))
    report(reporter, commenting, "Das ist beleidigend formuliert.", now, comment=comment)

    versioned = _import(VERSIONED, "participation-law.md", "Zwei Fassungen eines Gesetzes", Phase.COMMENTING)
    first = paragraph_texts(versioned.versions[0])
    changed = [
        (t.paragraph, t.text if t.position != AMENDED_POSITION else t.text.replace("sollen", "müssen")) for t in first
    ]
    second = build_version(versioned, 2, changed)
    second.status, second.published_at = VersionStatus.PUBLISHED, now

    live = _import(LIVE, "diversity-council.md", "Ein Rat im Saal", Phase.VOTING)
    start_session(board, live, now)

    adopted = _import(ADOPTED, "diversity-council.md", "Ein angenommener Rat", Phase.ADOPTED)
    adopted.is_public = True
    adopted.adopted_version_id, adopted.adopted_at = adopted.versions[0].id, now
    # The outbox: a sent invitation and a reminder the mail server refused.
    db.session.add_all(
        [
            OutboxMessage(
                recipient="neu@example.org",
                template="invitation",
                subject="Einladung",
                sent_at=now,
                attempts=1,
                body="Bitte öffnen Sie diesen Link: https://beteiligung.example/invitations/accept/t0k3n\n",
            ),
            OutboxMessage(
                recipient="kontakt@snw.example.org",
                template="reminder",
                subject="Erinnerung",
                attempts=1,
                body="Guten Tag,\n\nnoch keine Beteiligung.\n",
                next_attempt_at=now + timedelta(minutes=5),
                last_error="SMTPServerDisconnected: Connection unexpectedly closed",
            ),
        ]
    )
    db.session.flush()

    organisation = db.session.scalar(select(Organisation).where(Organisation.short_name == "SNW"))
    person = _user(demo_email(DELEGATES["SNW"][0], "SNW"))
    return Facts(
        amended_paragraph_id=amended.paragraph_id,
        amendment_id=amendment.id,
        person_id=person.id,
        organisation_id=organisation.id,
    )
