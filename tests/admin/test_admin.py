"""The administration: only admins; organisations and people created, changed, (de)activated, audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from consult.accounts.models import Role, User
from consult.audit.models import AuditEntry
from consult.drafts.models import Phase
from consult.extensions import db
from consult.organisations.models import Organisation, OrganisationLevel
from tests import factories
from tests.conftest import Auth, csrf_token


@pytest.fixture(name="world")
def fixture_world(app):
    org = factories.organisation(name="Interkulturelles Elternnetz Berlin e.V.", short_name="IEB")
    other = factories.organisation(name="Netzwerk Afrikanischer Vereine Hamburg", short_name="NAVE")
    people = {
        "admin": factories.user(email="admin@example.org", name="Tobias Admin", roles=(Role.ADMIN,)),
        "delegate": factories.user(email="elif@example.org", name="Elif Kaya", org=org),
        "moderator": factories.user(email="mod@example.org", roles=(Role.MODERATOR,)),
        "board": factories.user(email="board@example.org", roles=(Role.BOARD,)),
    }
    db.session.commit()
    return {"org": org, "other": other, **people}


def _entries(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def _post(client, page_url: str, url: str, **data):
    page = client.get(page_url).get_data(as_text=True)
    return client.post(url, data={"csrf_token": csrf_token(page), **data})


ORG_FIELDS = {
    "name": "Türkischer Elternverein Köln e.V.",
    "short_name": "TEK",
    "state": "Nordrhein-Westfalen",
    "level": "local",
    "is_member": "y",
    "vote_weight": "2",
}

# Every page and action of the administration, with what a GET or POST needs.
ROUTES = [
    ("GET", "/admin"),
    ("GET", "/admin/organisations"),
    ("GET", "/admin/organisations/new"),
    ("POST", "/admin/organisations/new"),
    ("GET", "/admin/organisations/{org}"),
    ("POST", "/admin/organisations/{org}"),
    ("POST", "/admin/organisations/{org}/active"),
    ("GET", "/admin/people"),
    ("GET", "/admin/people/{person}"),
    ("POST", "/admin/people/{person}"),
    ("POST", "/admin/people/{person}/active"),
    ("GET", "/admin/outbox"),
    ("POST", "/admin/outbox/send"),
]


def test_the_route_table_covers_every_admin_route(app):
    rules = {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("admin.")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    expected = {
        (method, path.replace("{org}", "<int:organisation_id>").replace("{person}", "<int:person_id>"))
        for method, path in ROUTES
    }
    assert rules == expected


@pytest.mark.parametrize("method,path", ROUTES)
@pytest.mark.parametrize("who", ["guest", "delegate", "moderator", "board"])
def test_every_admin_page_and_action_refuses_non_admins(client, world, who, method, path):
    url = path.format(org=world["org"].id, person=world["delegate"].id)
    if who != "guest":
        Auth(client).login(world[who].email, factories.PASSWORD)
    page = client.get("/").get_data(as_text=True)
    data = {"csrf_token": csrf_token(page), "active": "0", **ORG_FIELDS, "roles": "admin"} if method == "POST" else None
    response = client.open(url, method=method, data=data)
    if who == "guest":  # to the sign-in; a form with text gets it with its text kept (core.kept_text)
        assert (response.status_code == 302 and "/login" in response.headers["Location"]) or (
            response.status_code == 401 and 'action="/login"' in response.get_data(as_text=True)
        )
    else:
        assert response.status_code == 403
    db.session.expire_all()
    assert world["org"].is_active and world["delegate"].is_active_account
    assert not world["delegate"].has_role(Role.ADMIN)
    assert db.session.scalar(select(Organisation).where(Organisation.short_name == "TEK")) is None
    assert not list(db.session.scalars(select(AuditEntry)))


def test_admin_sees_the_link_and_others_do_not(client, auth, world):
    auth.login("elif@example.org", factories.PASSWORD)
    assert "/admin/organisations" not in client.get("/").get_data(as_text=True)
    auth.logout()
    auth.login("admin@example.org", factories.PASSWORD)
    html = client.get("/").get_data(as_text=True)
    assert 'href="/admin/organisations">Verwaltung</a>' in html


def test_organisations_list_shows_state_and_people(client, auth, world):
    factories.user(email="jonas@example.org", org=world["org"])
    world["other"].is_active = False
    db.session.commit()
    auth.login("admin@example.org", factories.PASSWORD)
    html = client.get("/admin/organisations").get_data(as_text=True)
    assert "Interkulturelles Elternnetz Berlin e.V." in html and "(IEB)" in html
    assert "2 Personen in IEB" in html
    assert "inaktiv" in html and "Reaktivieren" in html


def test_admin_creates_an_organisation_and_it_is_audited(client, auth, world):
    auth.login("admin@example.org", factories.PASSWORD)
    response = _post(client, "/admin/organisations/new", "/admin/organisations/new", **ORG_FIELDS)
    assert response.status_code == 302
    created = db.session.scalar(select(Organisation).where(Organisation.short_name == "TEK"))
    assert created.name == "Türkischer Elternverein Köln e.V." and created.state == "Nordrhein-Westfalen"
    assert created.level == OrganisationLevel.LOCAL and created.is_member and created.vote_weight == 2
    [entry] = _entries("organisation.create")
    assert entry.actor_id == world["admin"].id and entry.subject == f"organisation:{created.id}"
    assert entry.details["changes"]["short_name"] == [None, "TEK"]
    audit = client.get("/audit").get_data(as_text=True)
    assert "Organisation angelegt" in audit and "Türkischer Elternverein Köln e.V. (TEK)" in audit
    assert "Kurzname: – → TEK" in audit


def test_a_federal_organisation_has_no_state(client, auth, world):
    auth.login("admin@example.org", factories.PASSWORD)
    fields = {**ORG_FIELDS, "state": "", "level": "federal", "is_member": ""}
    assert _post(client, "/admin/organisations/new", "/admin/organisations/new", **fields).status_code == 302
    created = db.session.scalar(select(Organisation).where(Organisation.short_name == "TEK"))
    assert created.state is None and created.level == OrganisationLevel.FEDERAL and not created.is_member


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("name", "interkulturelles elternnetz berlin e.v.", "Eine andere Organisation hat schon diesen Namen."),
        ("short_name", "ieb", "Eine andere Organisation hat schon diesen Kurznamen."),
        ("short_name", "mit leerzeichen", "Der Kurzname hat 1 bis 20 Buchstaben"),
        ("vote_weight", "0", "Das Stimmgewicht ist eine ganze Zahl von 1 bis 1000."),
        ("state", "Atlantis", "Not a valid choice"),
    ],
)
def test_a_refused_organisation_keeps_the_input_and_names_the_field(client, auth, world, field, value, message):
    auth.login("admin@example.org", factories.PASSWORD)
    fields = {**ORG_FIELDS, field: value}
    response = _post(client, "/admin/organisations/new", "/admin/organisations/new", **fields)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    if field != "state":
        assert message in html
    assert f'id="{field}-error"' in html and 'aria-invalid="true"' in html
    assert 'value="Türkischer Elternverein Köln e.V."' in html or field == "name"
    assert db.session.scalar(select(Organisation).where(Organisation.name == ORG_FIELDS["name"])) is None
    assert not _entries("organisation.create")


def test_renaming_an_organisation_to_its_own_name_in_other_case_is_fine(client, auth, world):
    auth.login("admin@example.org", factories.PASSWORD)
    url = f"/admin/organisations/{world['org'].id}"
    fields = {
        "name": "Interkulturelles Elternnetz Berlin e.V.",
        "short_name": "ieb",
        "state": "Berlin",
        "level": "state",
        "is_member": "y",
        "vote_weight": "3",
    }
    assert _post(client, url, url, **fields).status_code == 302
    db.session.expire_all()
    assert world["org"].short_name == "ieb" and world["org"].vote_weight == 3
    [entry] = _entries("organisation.update")
    assert entry.details["changes"] == {"short_name": ["IEB", "ieb"], "vote_weight": [1, 3]}
    # the same conflict on edit: another organisation's short name
    fields["short_name"] = "NAVE"
    response = _post(client, url, url, **fields)
    assert response.status_code == 422 and 'value="NAVE"' in response.get_data(as_text=True)


def test_a_deactivated_organisations_delegate_can_neither_comment_nor_vote(client, auth, world, app):
    commenting = factories.draft(paragraphs=2, phase=Phase.COMMENTING, slug="teilhabe")
    voting = factories.draft(paragraphs=2, phase=Phase.VOTING, slug="rat")
    db.session.commit()
    auth.login("admin@example.org", factories.PASSWORD)
    response = _post(client, "/admin/organisations", f"/admin/organisations/{world['org'].id}/active", active="0")
    assert response.status_code == 302
    db.session.expire_all()
    assert not world["org"].is_active
    [entry] = _entries("organisation.deactivate")
    assert entry.details["changes"] == {"is_active": [True, False]}
    auth.logout()

    auth.login("elif@example.org", factories.PASSWORD)
    pid = commenting.versions[0].texts[1].paragraph_id
    page = client.get("/drafts/teilhabe").get_data(as_text=True)
    assert (
        client.post(
            f"/drafts/teilhabe/paragraphs/{pid}/comments",
            data={"csrf_token": csrf_token(page), "body": "Text", "stance": "support"},
        ).status_code
        == 403
    )
    vid = voting.versions[0].texts[1].paragraph_id
    page = client.get("/drafts/rat").get_data(as_text=True)
    assert (
        client.post("/drafts/rat/votes", data={"csrf_token": csrf_token(page), "vote": f"{vid}:yes"}).status_code == 403
    )
    auth.logout()

    auth.login("admin@example.org", factories.PASSWORD)
    _post(client, "/admin/organisations", f"/admin/organisations/{world['org'].id}/active", active="1")
    db.session.expire_all()
    assert world["org"].is_active and _entries("organisation.activate")


def test_people_search_by_name_email_and_organisation(client, auth, world):
    auth.login("admin@example.org", factories.PASSWORD)
    html = client.get("/admin/people?q=kaya").get_data(as_text=True).split("<main")[1]
    assert "Elif Kaya" in html and "Tobias Admin" not in html
    html = client.get("/admin/people?q=ELIF@EXAMPLE").get_data(as_text=True)
    assert "Elif Kaya" in html
    html = client.get("/admin/people?q=elternnetz").get_data(as_text=True)
    assert "Elif Kaya" in html and "1 Person" in html
    html = client.get("/admin/people?q=%25").get_data(as_text=True)
    assert "Niemand gefunden." in html


def _queries(client, count_queries, url: str) -> tuple[int, str]:
    """How many SQL statements a page takes (after a first request warmed the caches), and the page."""
    client.get(url)
    with count_queries() as counter:
        html = client.get(url).get_data(as_text=True)
    return counter.count, html


def test_people_list_takes_the_same_queries_for_many_people(client, auth, world, count_queries):
    auth.login("admin@example.org", factories.PASSWORD)
    few, _ = _queries(client, count_queries, "/admin/people")
    for n in range(60):
        factories.user(
            email=f"p{n}@example.org",
            name=f"Person {n}",
            roles=(Role.DELEGATE, Role.BOARD),
            org=world["org" if n % 2 else "other"],
        )
    db.session.commit()
    many, html = _queries(client, count_queries, "/admin/people")
    assert "64 Personen" in html and "Nächste Seite" in html and many == few
    second_page, html = _queries(client, count_queries, "/admin/people?page=2")
    assert "Vorherige Seite" in html and second_page == few


def _person_form(person, **fields):
    return {"roles": ["delegate"], "organisation": str(person.organisation_id or ""), **fields}


def test_admin_edits_roles_organisation_and_contact_person(client, auth, world):
    auth.login("admin@example.org", factories.PASSWORD)
    person = world["delegate"]
    url = f"/admin/people/{person.id}"
    response = _post(
        client, url, url, roles=["delegate", "moderator"], organisation=str(world["other"].id), is_contact_person="y"
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert person.roles == {Role.DELEGATE, Role.MODERATOR} and person.organisation_id == world["other"].id
    assert person.is_contact_person
    [entry] = _entries("person.update")
    assert entry.subject == f"user:{person.id}"
    assert entry.details["changes"] == {
        "roles": [["delegate"], ["delegate", "moderator"]],
        "organisation": ["IEB", "NAVE"],
        "is_contact_person": [False, True],
    }
    audit = client.get("/audit").get_data(as_text=True)
    assert "Elif Kaya" in audit and "Rollen: Delegierte*r → Delegierte*r, Moderation" in audit


@pytest.mark.parametrize(
    "fields,field,message",
    [
        ({"roles": []}, "roles", "Bitte geben Sie der Person mindestens eine Rolle."),
        ({"organisation": ""}, "organisation", "Delegierte gehören zu einer Organisation"),
        (
            {"roles": ["moderator"], "organisation": "", "is_contact_person": "y"},
            "is_contact_person",
            "Nur Delegierte einer Organisation",
        ),
    ],
)
def test_refused_person_changes_name_the_field(client, auth, world, fields, field, message):
    auth.login("admin@example.org", factories.PASSWORD)
    person = world["delegate"]
    url = f"/admin/people/{person.id}"
    response = _post(client, url, url, **_person_form(person, **fields))
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and message in html and f'id="{field}-error"' in html
    db.session.expire_all()
    assert person.roles == {Role.DELEGATE} and person.organisation_id == world["org"].id
    assert not _entries("person.update")


def test_an_admin_cannot_remove_their_own_admin_role_or_deactivate_themselves(client, auth, world):
    auth.login("admin@example.org", factories.PASSWORD)
    admin = world["admin"]
    url = f"/admin/people/{admin.id}"
    response = _post(client, url, url, roles=["board"], organisation="")
    assert response.status_code == 422
    assert "Sie können sich die Rolle Administrator*in nicht selbst nehmen" in response.get_data(as_text=True)
    response = _post(client, url, f"{url}/active", active="0")
    assert response.status_code == 403
    assert "Sie können Ihr eigenes Konto nicht deaktivieren" in response.get_data(as_text=True)
    db.session.expire_all()
    assert admin.has_role(Role.ADMIN) and admin.is_active_account
    assert not _entries("person.update") and not _entries("person.deactivate")


def test_a_deactivated_person_is_signed_out_and_cannot_sign_in(app, client, auth, world):
    elif_client = app.test_client()
    Auth(elif_client).login("elif@example.org", factories.PASSWORD)
    assert "Elif Kaya" in elif_client.get("/").get_data(as_text=True)

    auth.login("admin@example.org", factories.PASSWORD)
    url = f"/admin/people/{world['delegate'].id}"
    response = _post(client, url, f"{url}/active", active="0")
    assert response.status_code == 302
    db.session.expire_all()
    assert not world["delegate"].is_active_account
    assert _entries("person.deactivate")[0].details["changes"] == {"is_active": [True, False]}
    assert "Elif Kaya" not in elif_client.get("/").get_data(as_text=True)
    response = Auth(elif_client).login("elif@example.org", factories.PASSWORD)
    assert response.status_code == 200 and "nicht richtig" in response.get_data(as_text=True)

    _post(client, url, f"{url}/active", active="1")
    assert Auth(elif_client).login("elif@example.org", factories.PASSWORD).status_code == 302


def test_unknown_ids_are_404(client, auth, world):
    auth.login("admin@example.org", factories.PASSWORD)
    assert client.get("/admin/organisations/999").status_code == 404
    assert client.get("/admin/people/999").status_code == 404
    assert db.session.get(User, world["admin"].id) is not None


def test_organisations_list_takes_the_same_queries_for_many_organisations(client, auth, world, count_queries):
    auth.login("admin@example.org", factories.PASSWORD)
    few, _ = _queries(client, count_queries, "/admin/organisations")
    for n in range(30):
        factories.user(email=f"o{n}@example.org", org=factories.organisation(name=f"Verein Nummer {n}"))
    db.session.commit()
    many, html = _queries(client, count_queries, "/admin/organisations")
    assert "Verein Nummer 29" in html and many == few


def test_the_english_interface_names_the_administration(client, auth, world):
    auth.login("admin@example.org", factories.PASSWORD)
    page = client.get("/").get_data(as_text=True)
    client.post("/language", data={"csrf_token": csrf_token(page), "language": "en", "next": "/admin/people"})
    html = client.get("/admin/people").get_data(as_text=True)
    assert ">Administration</a>" in html and "Search by name, e-mail or organisation" in html
    assert "Delegate" in html and "4 people" in html


def test_a_state_written_otherwise_by_the_command_line_is_kept_on_save(client, auth, world):
    world["other"].state = "HH"
    db.session.commit()
    auth.login("admin@example.org", factories.PASSWORD)
    url = f"/admin/organisations/{world['other'].id}"
    html = client.get(url).get_data(as_text=True)
    assert '<option selected value="HH">HH</option>' in html
    fields = {
        "name": world["other"].name,
        "short_name": "NAVE",
        "state": "HH",
        "level": "state",
        "is_member": "y",
        "vote_weight": "1",
    }
    assert _post(client, url, url, **fields).status_code == 302
    db.session.expire_all()
    assert world["other"].state == "HH"
    # a new organisation cannot choose it
    response = _post(client, "/admin/organisations/new", "/admin/organisations/new", **{**ORG_FIELDS, "state": "HH"})
    assert response.status_code == 422
