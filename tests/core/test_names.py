"""Names: no bidi controls or zero-width characters, a length limit said in the person's language,
shown isolated (`<bdi>`) wherever pages show them; links in user text marked as user links."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from consult.accounts.models import Role, User
from consult.comments.services import post_comment
from consult.core import clock
from consult.core.markdown import render_block, render_comment
from consult.core.names import name_problem
from consult.drafts.models import Phase
from consult.extensions import db
from consult.invitations.services import invite
from consult.mail.models import OutboxMessage
from consult.organisations.models import Organisation
from tests import factories
from tests.conftest import csrf_token

FORBIDDEN = [
    "\u202a",
    "\u202b",
    "\u202c",
    "\u202d",
    "\u202e",
    "\u2066",
    "\u2067",
    "\u2068",
    "\u2069",
    "\u200e",
    "\u200f",
    "\u061c",
    "\u200b",
    "\u200c",
    "\u200d",
    "\u2060",
    "\ufeff",
]
REFUSED_DE = "Ein Name darf keine unsichtbaren Zeichen enthalten"


@pytest.mark.parametrize("char", FORBIDDEN, ids=[f"U+{ord(c):04X}" for c in FORBIDDEN])
def test_names_with_bidi_controls_or_zero_width_characters_are_refused(char):
    assert name_problem(f"Elif{char}Kaya", 120) is not None
    assert name_problem(f"Verein {char}e.V.", 200) is not None


@pytest.mark.parametrize("name", ["Ayşe Öz", "جمعية الجالية العربية", "Ünal-Şahin e.V.", "Nguyễn Văn An", "x" * 120])
def test_names_in_any_script_up_to_the_limit_are_taken(name):
    assert name_problem(name, 120) is None


def test_a_name_over_the_limit_is_refused():
    assert name_problem("x" * 121, 120) is not None


@pytest.fixture
def people(app):
    org = factories.organisation(name="Interkulturelles Elternnetz Berlin e.V.", short_name="IEB")
    admin = factories.user(email="admin@example.org", roles=(Role.ADMIN,), name="Tobias Admin")
    delegate = factories.user(email="elif@example.org", org=org, name="Elif Kaya")
    db.session.commit()
    return {"org": org, "admin": admin, "delegate": delegate}


def _post(client, page_url: str, url: str, **data):
    page = client.get(page_url).get_data(as_text=True)
    return client.post(url, data={"csrf_token": csrf_token(page), **data})


def test_the_account_page_refuses_an_overriding_name_in_the_persons_language(client, auth, people):
    auth.login("elif@example.org", factories.PASSWORD)
    response = _post(client, "/account", "/account/name", name="Elif \u202eayaK")
    assert response.status_code == 422 and REFUSED_DE in response.get_data(as_text=True)
    db.session.expire_all()
    assert people["delegate"].name == "Elif Kaya"


def test_accepting_an_invitation_refuses_a_zero_width_name(app, client, people):
    with app.test_request_context():
        invite(people["admin"], "new@example.org", people["org"], [Role.DELEGATE], "de", clock.now())
    db.session.commit()
    body = db.session.scalar(select(OutboxMessage.body).where(OutboxMessage.recipient == "new@example.org"))
    link = re.search(r"http://localhost(/invitations/accept/\S+)", body).group(1)
    page = client.get(link).get_data(as_text=True)
    response = client.post(
        link,
        data={
            "name": "Elif\u200bKaya",
            "password": "ein gutes Passwort",
            "confirm": "ein gutes Passwort",
            "csrf_token": csrf_token(page),
        },
    )
    assert response.status_code != 302 and REFUSED_DE in response.get_data(as_text=True)
    response = client.post(
        link,
        data={
            "name": "x" * 121,
            "password": "ein gutes Passwort",
            "confirm": "ein gutes Passwort",
            "csrf_token": csrf_token(page),
        },
    )
    assert response.status_code != 302 and "höchstens 120 Zeichen" in response.get_data(as_text=True)
    assert db.session.scalar(select(User).where(User.email == "new@example.org")) is None


@pytest.mark.parametrize(
    "name, message", [("Verein \u2067Kultur\u2069 e.V.", REFUSED_DE), ("V" * 201, "höchstens 200 Zeichen")]
)
def test_the_administration_refuses_such_organisation_names(client, auth, people, name, message):
    auth.login("admin@example.org", factories.PASSWORD)
    response = _post(
        client,
        "/admin/organisations/new",
        "/admin/organisations/new",
        name=name,
        short_name="NEU",
        state="Berlin",
        level="local",
        is_member="y",
        vote_weight="1",
    )
    assert response.status_code in (200, 422) and message in response.get_data(as_text=True)
    assert db.session.scalar(select(Organisation).where(Organisation.short_name == "NEU")) is None


def test_the_command_line_refuses_such_names(app, runner, people):
    result = runner.invoke(args=["create-organisation", "Verein \u202eevil", "--short-name", "EVIL"])
    assert result.exit_code != 0 and REFUSED_DE in result.output
    result = runner.invoke(
        args=["create-user", "zw@example.org", "--name", "Zero\u200dWidth", "--role", "board"],
        env={"CONSULT_PASSWORD": factories.PASSWORD},
    )
    assert result.exit_code != 0 and REFUSED_DE in result.output
    assert db.session.scalar(select(Organisation).where(Organisation.short_name == "EVIL")) is None
    assert db.session.scalar(select(User).where(User.email == "zw@example.org")) is None


def test_names_are_shown_isolated(app, client, auth, people):
    """A right-to-left name, and an overriding one stored before the rule, each sit in their own <bdi>."""
    people["delegate"].name = "سمير \u202eحداد"  # written directly: as a name stored before names were checked
    people["org"].name = "جمعية الجالية"
    draft = factories.draft(paragraphs=3, phase=Phase.COMMENTING, public=True)
    text = draft.versions[0].texts[1]
    post_comment(people["delegate"], draft, text, "Ein Kommentar.", None, clock.now())
    db.session.commit()
    auth.login("elif@example.org", factories.PASSWORD)
    header = client.get("/account").get_data(as_text=True)
    assert "<bdi>سمير \u202eحداد</bdi>" in header and "<bdi>جمعية الجالية</bdi>" in header
    thread = client.get(f"/drafts/{draft.slug}/paragraphs/{text.paragraph_id}/thread", follow_redirects=True).get_data(
        as_text=True
    )
    assert thread.count("<bdi>سمير \u202eحداد</bdi>") >= 2  # the header and the comment's author
    auth.logout()
    auth.login("admin@example.org", factories.PASSWORD)
    assert "<bdi>سمير \u202eحداد</bdi>" in client.get("/admin/people").get_data(as_text=True)
    assert "<bdi>جمعية الجالية</bdi>" in client.get("/admin/organisations").get_data(as_text=True)


TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
# A name printed into a page: `x.name`, `actor_name`, `named`, `heading` of a named thing.
_NAME_OUTPUT = re.compile(r"\{\{[^}]*?(?:\b\w+\.name\b|actor_name|\bnamed\b)[^}]*\}\}")


def test_every_template_that_prints_a_name_isolates_it():
    """A new template that shows a person's or organisation's name as page text must use `|isolate`.
    Attribute values (title="…") and the window title cannot hold markup and are left as they are."""
    unisolated = []
    for path in TEMPLATES.rglob("*.html"):
        if path.parent.name == "mail":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if "{% block title %}" in line:
                continue
            for match in _NAME_OUTPUT.finditer(line):
                before = line[: match.start()]
                in_attribute = re.search(r'=\s*"[^"]*$', before) is not None
                if not in_attribute and "isolate" not in match.group(0) and "form." not in match.group(0):
                    unisolated.append(f"{path.relative_to(TEMPLATES)}:{number}: {match.group(0)}")
    assert not unisolated


def test_links_out_of_the_site_in_user_text_are_marked_as_user_links(app):
    html = render_comment("Siehe [hier](https://example.org/a), <https://example.org/b> und [intern](/drafts/x).")
    assert html.count('rel="nofollow noopener ugc"') == 2
    assert '<a href="/drafts/x">intern</a>' in html
    assert 'rel="nofollow noopener ugc"' in render_block("[Quelle](https://example.org/q)").html
    organisation = factories.organisation()
    delegate = factories.user(org=organisation)
    draft = factories.draft(paragraphs=3, phase=Phase.COMMENTING)
    comment = post_comment(
        delegate,
        draft,
        draft.versions[0].texts[1],
        "Mehr: https://x.example und [Bericht](http://x.example/bericht)",
        None,
        clock.now(),
    )
    assert '<a href="http://x.example/bericht" rel="nofollow noopener ugc">Bericht</a>' in comment.body_html


def test_the_migration_marks_stored_links_as_the_renderer_does():
    import importlib.util

    path = next(
        (Path(__file__).resolve().parents[2] / "migrations" / "versions").glob("*_user_links_marked_nofollow.py")
    )
    spec = importlib.util.spec_from_file_location("user_links_marked", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    stored = render_comment('[a](https://x.example "T") [b](/drafts/x) <mailto:a@b.de>').replace(
        ' rel="nofollow noopener ugc"', ""
    )
    assert module.mark_links(stored) == render_comment('[a](https://x.example "T") [b](/drafts/x) <mailto:a@b.de>')


def test_a_long_name_on_the_account_page_gets_one_message(client, auth, people):
    auth.login("elif@example.org", factories.PASSWORD)
    html = _post(client, "/account", "/account/name", name="x" * 121).get_data(as_text=True)
    assert html.count("höchstens 120 Zeichen") == 1
