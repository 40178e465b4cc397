"""The API's OpenAPI description (consult.api.openapi) against the code: a valid OpenAPI 3.1 document, served
cacheable at /api/v1/openapi.json, naming every route of the api blueprint and no other, and describing the
real answers: every documented path is called with data that makes every field appear (null both ways where
the field may be null), and each JSON body is validated against the schema of its status, errors included.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from importlib.metadata import version

import pytest
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate
from sqlalchemy.exc import OperationalError

from consult.accounts.models import Role
from consult.amendments.models import Amendment, AmendmentKind, AmendmentStatus, DecidedHow, LapseReason
from consult.api import openapi, views
from consult.comments.models import Comment, CommentStatus
from consult.drafts.models import DraftDeadline, Phase, VersionStatus
from consult.drafts.services import build_version
from consult.extensions import db
from consult.live.models import AgendaItem, ItemState, LiveSession, Proxy
from consult.votes.models import Channel, Choice, Vote
from tests import factories

PREFIX = "/api/v1"
STARTED = datetime(2026, 11, 14, 9, 0, tzinfo=timezone.utc)
BOARD = "board@example.org"


def _description(client) -> dict:
    return client.get(f"{PREFIX}/openapi.json").get_json()


# --- the document -------------------------------------------------------------------------------------------


def test_the_description_is_valid_openapi_3_1_with_licence_and_version(client):
    document = _description(client)
    validate(document)  # raises on any fault; picks the 3.1 schema from "openapi"
    assert document["openapi"].startswith("3.1.")
    assert document["info"]["version"] == version("consult")
    assert document["info"]["license"]["identifier"] == "AGPL-3.0-or-later"


def test_the_description_is_public_json_and_cacheable(client, auth):
    factories.user(email=BOARD, roles=(Role.BOARD,))
    db.session.commit()
    first = client.get(f"{PREFIX}/openapi.json")
    assert first.status_code == 200 and first.mimetype == "application/json"
    assert first.headers["Cache-Control"] == views.DESCRIPTION_CACHE and first.headers["ETag"]
    assert first.headers["Access-Control-Allow-Origin"] == "*"
    again = client.get(f"{PREFIX}/openapi.json", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == first.headers["ETag"]
    # Compressed, the tag is weak (consult.core.compression): still answered with 304.
    weak = client.get(f"{PREFIX}/openapi.json", headers={"If-None-Match": "W/" + first.headers["ETag"]})
    assert weak.status_code == 304
    auth.login(BOARD, factories.PASSWORD)
    signed_in = client.get(f"{PREFIX}/openapi.json")
    assert signed_in.data == first.data and signed_in.headers["Cache-Control"] == views.DESCRIPTION_CACHE


def _documented_operations(document: dict) -> set[tuple[str, str]]:
    return {(path, method.upper()) for path, item in document["paths"].items() for method in item}


def test_every_route_of_the_api_is_described_and_nothing_else(app):
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] != "api":
            continue
        assert rule.rule.startswith(PREFIX + "/")
        path = rule.rule.removeprefix(PREFIX)
        for converter in rule.arguments:
            path = path.replace(f"<{converter}>", f"{{{converter}}}")
        assert "<" not in path, f"{rule.rule}: describe its converter's parameter"
        routes |= {(path, method) for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes, "the api blueprint has no routes"
    assert routes == _documented_operations(openapi.document())


def test_the_described_values_are_those_of_the_models():
    """The enumerations come from the models; this pins that they are the ones clients are promised."""
    schemas = openapi.document()["components"]["schemas"]
    assert schemas["Draft"]["properties"]["phase"]["enum"] == [
        "preparation",
        "commenting",
        "editing",
        "voting",
        "adopted",
        "archived",
    ]
    assert schemas["Amendment"]["properties"]["kind"]["enum"] == ["replace", "delete", "insert"]
    assert set(schemas["Channels"]["properties"]) == {"online", "live", "proxy", "paper"}


# --- the answers ----------------------------------------------------------------------------------------------


def _votes(draft, orgs: dict, question: dict, ballots: dict) -> None:
    """`ballots`: short name -> (choice, channel, short name of the proxy's holder or None)."""
    for short, (choice, channel, via) in ballots.items():
        db.session.add(
            Vote(
                draft=draft,
                organisation=orgs[short],
                choice=choice,
                channel=channel,
                via_organisation=orgs[via] if via else None,
                **question,
            )
        )


def _amendment(draft, position: int, org, author, kind: AmendmentKind, status: AmendmentStatus, **values) -> Amendment:
    row = draft.versions[0].texts[position - 1]
    amendment = Amendment(
        draft=draft,
        paragraph_id=row.paragraph_id,
        version=draft.versions[0],
        kind=kind,
        base_text=row.text,
        proposed_text=None if kind == AmendmentKind.DELETE else "Neu.",
        justification="Weil.",
        author=author,
        organisation=org,
        status=status,
        **values,
    )
    db.session.add(amendment)
    db.session.flush()
    return amendment


@pytest.fixture
def drafts(app):
    """Three drafts that together make every field of the description appear, null and not:

    - "rat", adopted, public, no deadline: version 2 struck § 3 by an amendment the organisations accepted in
      the live session (its `paragraph` is null now, its `proposed_text` too); a rejected replacement voted on
      paper and by proxy (one proxy without a recorded holder), an insertion lapsed by an alternative; a
      published comment; an ended session with a confirmed proxy, withdrawn, and one still standing.
    - "offen", voting, public, with a deadline: an amendment put to the vote, a session still running.
    - "entwurf", in preparation, its first version not yet published (`version` null): staff only.
    """
    orgs = {short: factories.organisation(short_name=short) for short in ("ADV", "BKB", "CHG", "DEV")}
    board = factories.user(email=BOARD, roles=(Role.BOARD,))
    author = factories.user(email="d@example.org", org=orgs["ADV"])

    rat = factories.draft(paragraphs=4, phase=Phase.ADOPTED, slug="rat", public=True)
    first = rat.versions[0]
    struck = _amendment(
        rat, 3, orgs["ADV"], author, AmendmentKind.DELETE, AmendmentStatus.ACCEPTED, decided_how=DecidedHow.VOTE
    )
    rejected = _amendment(
        rat, 2, orgs["BKB"], author, AmendmentKind.REPLACE, AmendmentStatus.REJECTED, decided_how=DecidedHow.VOTE
    )
    _amendment(
        rat, 4, orgs["CHG"], author, AmendmentKind.INSERT, AmendmentStatus.LAPSED, lapse_reason=LapseReason.ALTERNATIVE
    )
    second = build_version(rat, 2, [(t.paragraph, t.text) for t in first.texts if t.position != 3])
    second.status = VersionStatus.PUBLISHED
    kept = first.texts[1]
    db.session.add(
        Comment(
            paragraph_id=kept.paragraph_id,
            version_id=first.id,
            author_id=author.id,
            body="x",
            body_html="<p>x</p>",
            status=CommentStatus.PUBLISHED,
        )
    )
    Y, N, A = Choice.YES, Choice.NO, Choice.ABSTAIN
    _votes(
        rat,
        orgs,
        {"amendment_id": struck.id},
        {"ADV": (Y, Channel.LIVE, None), "BKB": (Y, Channel.PROXY, "ADV"), "CHG": (N, Channel.ONLINE, None)},
    )
    _votes(rat, orgs, {"amendment_id": rejected.id}, {"ADV": (N, Channel.PAPER, None), "DEV": (A, Channel.PROXY, None)})
    _votes(
        rat,
        orgs,
        {"paragraph_id": kept.paragraph_id},
        {"ADV": (Y, Channel.ONLINE, None), "BKB": (N, Channel.PAPER, None), "DEV": (A, Channel.PROXY, "CHG")},
    )
    _votes(
        rat,
        orgs,
        {"paragraph_id": None},
        {"ADV": (Y, Channel.ONLINE, None), "BKB": (Y, Channel.PAPER, None), "CHG": (Y, Channel.PROXY, "DEV")},
    )
    ended = LiveSession(draft=rat, started_at=STARTED, ended_at=STARTED + timedelta(hours=2), started_by=board)
    ended.items = [
        AgendaItem(
            position=1,
            amendment_id=struck.id,
            state=ItemState.CLOSED,
            opened_at=STARTED,
            closed_at=STARTED + timedelta(minutes=5),
        )
    ]
    db.session.add(ended)
    db.session.flush()
    db.session.add_all(
        [
            Proxy(
                session_id=ended.id,
                organisation_id=orgs["BKB"].id,
                holder_id=orgs["ADV"].id,
                confirmed_at=STARTED,
                confirmed_by_id=board.id,
            ),
            Proxy(
                session_id=ended.id,
                organisation_id=orgs["DEV"].id,
                holder_id=orgs["CHG"].id,
                confirmed_at=STARTED,
                confirmed_by_id=board.id,
                withdrawn_at=STARTED + timedelta(minutes=30),
            ),
        ]
    )

    offen = factories.draft(paragraphs=2, phase=Phase.VOTING, slug="offen", public=True)
    offen.deadlines.append(DraftDeadline(phase=Phase.VOTING, ends_at=STARTED + timedelta(days=30)))
    _amendment(offen, 2, orgs["DEV"], author, AmendmentKind.REPLACE, AmendmentStatus.PUT_TO_VOTE)
    db.session.add(LiveSession(draft=offen, started_at=STARTED, started_by=board))

    entwurf = factories.draft(paragraphs=2, phase=Phase.PREPARATION, slug="entwurf", public=True)
    entwurf.versions[0].status = VersionStatus.IN_PREPARATION
    db.session.commit()


def _broken_database(slug):
    raise OperationalError("SELECT", {}, Exception("connection refused"))


# (method, described path, address, signed in as, status); every documented operation and status is called.
# Addresses and methods the description does not name (path None) must answer its `Error`.
CALLS = [
    ("get", "/drafts/{slug}", "/drafts/rat", None, 200),
    ("get", "/drafts/{slug}", "/drafts/offen", None, 200),
    ("get", "/drafts/{slug}", "/drafts/entwurf", BOARD, 200),
    ("get", "/drafts/{slug}", "/drafts/entwurf", None, 404),
    ("get", "/drafts/{slug}", "/drafts/gibt-es-nicht", None, 404),
    ("get", "/drafts/{slug}", "/drafts/a%01b", None, 404),  # a refused character names nothing
    ("get", "/drafts/{slug}", "/drafts/rat?slug=x&slug=y", None, 200),  # parameters it does not read: ignored
    ("get", "/drafts/{slug}", "/drafts/rat", "outage", 503),
    ("get", "/openapi.json", "/openapi.json", None, 200),
    ("get", "/openapi.json", "/openapi.json", "etag", 304),
    ("get", None, "/drafts/", None, 404),
    ("get", None, "/drafts", None, 404),
    ("get", None, "", None, 404),
    ("post", None, "/drafts/rat", None, 405),
    ("delete", None, "/openapi.json", None, 405),
]
ERROR = {
    "description": "Any error.",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}


def _validator(document: dict, schema: dict) -> OAS31Validator:
    """A validator for one schema of the document; its `$ref`s resolve against the document's components."""
    return OAS31Validator(
        {**schema, "components": document["components"]}, format_checker=OAS31Validator.FORMAT_CHECKER
    )


def _appearances(schema: dict, value, document: dict, seen: set, owner: str = "") -> None:
    """Record in `seen` (schema, field, "null" | "empty" | "value") for every field of `value` on the way down."""
    if "$ref" in schema:
        owner = schema["$ref"].rsplit("/", 1)[1]
        schema = document["components"]["schemas"][owner]
    if isinstance(value, dict):
        for name, sub in schema.get("properties", {}).items():
            field = value[name]
            seen.add((owner, name, "null" if field is None else "empty" if field == [] else "value"))
            _appearances(sub, field, document, seen, owner)
    elif isinstance(value, list):
        for item in value:
            _appearances(schema["items"], item, document, seen, owner)


def _nullable(field: dict) -> bool:
    return isinstance(field.get("type"), list) and "null" in field["type"]


def test_every_answer_matches_its_description_and_every_field_appears(client, auth, drafts, monkeypatch):
    document = _description(client)
    seen: set = set()
    called = set()
    etag = client.get(f"{PREFIX}/openapi.json").headers["ETag"]
    for method, path, address, who, status in CALLS:
        headers = {"If-None-Match": etag} if who == "etag" else {}
        if who == BOARD:
            auth.login(BOARD, factories.PASSWORD)
        elif who == "outage":
            monkeypatch.setattr(views, "get_by_slug", _broken_database)
        response = client.open(PREFIX + address, method=method.upper(), headers=headers)
        if who == BOARD:
            auth.logout()
        monkeypatch.undo()
        label = f"{method.upper()} {address} ({who or 'guest'})"
        assert response.status_code == status, label
        described = document["paths"][path][method]["responses"].get(str(status)) if path else ERROR
        assert described is not None, f"{label}: status {status} is not described"
        for name, header in described.get("headers", {}).items():
            if header.get("required"):
                assert name in response.headers, f"{label}: no {name} header"
            if name in response.headers and header["schema"]["type"] == "integer":
                assert response.headers[name].isdigit(), f"{label}: {name} is no number"
        if (path, status) == ("/drafts/{slug}", 200):  # as described: only a signed-in answer is private
            assert response.headers.get("Cache-Control") == ("private, no-store" if who == BOARD else None), label
        if "content" not in described:
            assert response.data == b"", label
        else:
            ((media_type, content),) = described["content"].items()
            assert response.mimetype == media_type, label
            body = response.get_json()
            errors = sorted(_validator(document, content["schema"]).iter_errors(body), key=str)
            assert not errors, f"{label}: " + "; ".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)
            _appearances(content["schema"], body, document, seen)
        if path:
            called.add((path, method.upper(), status))

    described = {
        (path, method.upper(), int(status))
        for path, item in document["paths"].items()
        for method, operation in item.items()
        for status in operation["responses"]
    }
    assert called == described, "every described answer is called"
    missing = []
    for owner, schema in document["components"]["schemas"].items():
        for name, field in schema["properties"].items():
            missing += [
                f"{owner}.{name}: {way}"
                for way in ("value", "null")
                if (owner, name, way) not in seen and (way == "value" or _nullable(field))
            ]
    assert not missing, "fields that never appeared so: " + ", ".join(missing)


def test_a_renamed_field_fails_the_description(client, drafts):
    """The schemas are closed and their fields required: a renamed field is both missing and unknown."""
    document = _description(client)
    schema = document["paths"]["/drafts/{slug}"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    answer = client.get(f"{PREFIX}/drafts/rat").get_json()
    for renamed in ("slug", "tally", "live_sessions"):
        body = dict(answer)
        body[renamed + "_renamed"] = body.pop(renamed)
        messages = [error.message for error in _validator(document, schema).iter_errors(body)]
        assert any(f"'{renamed}' is a required property" in m for m in messages), renamed
        assert any("Additional properties are not allowed" in m for m in messages), renamed
    # A field added without its description fails too, deep down as well.
    added = {**answer, "paragraphs": [{**answer["paragraphs"][0], "comment_count": 1}]}
    messages = [error.message for error in _validator(document, schema).iter_errors(added)]
    assert messages == ["Additional properties are not allowed ('comment_count' was unexpected)"]
