"""Every route, every role, hostile values: no answer is a server error.

The walk reads `app.url_map`, so a new route is covered without editing this test. For each
rule it sends the request with real ids of a seeded draft (so handlers reach the database), then
with each converter replaced in turn by a hostile value; GET routes also get hostile query
strings, POST routes hostile form bodies. The form fields come from the view's module: the fields
of every form it builds and every name it reads from `request.form` directly. It runs as a guest,
a delegate, a moderator, the board and an admin, on SQLite and PostgreSQL, and lists each 5xx
(or exception) with method, URL and role.
"""

from __future__ import annotations

import inspect
import io
import itertools
import json
import re
import sys
import zipfile
from urllib.parse import quote

import docx
from flask import current_app
from flask_wtf.file import FileField
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from consult.accounts.models import Role
from consult.amendments.models import AmendmentKind
from consult.amendments.services import propose
from consult.comments.models import Stance
from consult.comments.services import post_comment
from consult.core import clock
from consult.core.forms import Form
from consult.drafts.models import Phase
from consult.extensions import db
from consult.invitations.services import invite
from consult.moderation.services import report
from tests import factories
from tests.conftest import Auth, IsolatedClient, csrf_token
from tests.hostile.conftest import SENT

HOSTILE_PATH = ["0", "-1", str(2**63), str(10**20), "abc", "%00", "%C0%AF", "%C2%B9", "x" * 5000]
LONG = "x" * 100_000
# Raw form values (already percent-encoded): NUL, a lone surrogate as its UTF-8-like bytes,
# invalid UTF-8, a right-to-left override, a number beyond every integer column.
HOSTILE_VALUES = {
    "nul": "Text%00mehr",
    "surrogate": "Text%ED%A0%80mehr",
    "invalid-utf8": "Text%C0%AFmehr",
    "bidi": quote("\u202etxeT ein"),
    "huge-number": str(10**20),
    "superscript-digit": "%C2%B9",
}
PLAUSIBLE = {
    "vote": "{paragraph}:yes",
    "decision": "publish",
    "stance": "support",
    "kind": "replace",
    "to": "voting",
    "from": "commenting",
    "active": "1",
    "locale": "en",
    "email": "x@example.org",
    "parent_id": "{comment}",
    "quote_start": "0",
    "sentence": "0",
    "moderation_policy": "hold",
    "majority_rule": "simple",
    "roles": "delegate",
    "organisation": "{organisation}",
    "slug": "neu-{serial}",
    "title": "Hochgeladen",
}
_serial = itertools.count(1)  # a new slug for each request, so that no draft takes it before an upload
# Session-ending and destructive routes go last, so that they do not shorten the walk of a role.
LAST_WORDS = ("delete", "withdraw", "revoke", "active", "disable", "logout", "sign_out")


def _seed() -> dict:
    """A draft in its commenting phase with a comment, an amendment, a report and an invitation;
    one person per role; the valid value of each route argument."""
    now = clock.now()
    org = factories.organisation()
    people = {
        "delegate": factories.user(email="delegate@example.org", org=org),
        "moderator": factories.user(email="moderator@example.org", roles=(Role.MODERATOR,)),
        "board": factories.user(email="board@example.org", roles=(Role.BOARD,)),
        "admin": factories.user(email="admin@example.org", roles=(Role.ADMIN,)),
    }
    target = factories.user(email="target@example.org")  # what admins switch off, not a walker
    other = factories.user(email="other@example.org")
    draft = factories.draft(paragraphs=4, phase=Phase.COMMENTING, slug="walk", public=True)
    text = draft.versions[0].texts[1]
    comment = post_comment(people["delegate"], draft, text, "Ein Kommentar.", Stance.SUPPORT, now)
    amendment = propose(people["delegate"], draft, text, AmendmentKind.REPLACE, "Neuer Text.", "Weil.", now)
    filed = report(other, draft, "Unpassend.", now, comment=comment)
    invitation = invite(people["admin"], "new@example.org", target.organisation, [Role.DELEGATE], "de", now)
    db.session.commit()
    values = {
        "slug": draft.slug,
        "paragraph_id": text.paragraph_id,
        "amendment_id": amendment.id,
        "comment_id": comment.id,
        "number": 1,
        "conflict_id": 1,
        "organisation_id": target.organisation_id,
        "person_id": target.id,
        "invitation_id": invitation.id,
        "report_id": filed.id,
        "token": "nicht-gueltig",
        "name": "comments.csv",
        "filename": "css/app.css",
    }
    fill = {"paragraph": text.paragraph_id, "comment": comment.id, "organisation": org.id}
    return {"values": values, "fill": fill, "emails": {role: p.email for role, p in people.items()}}


_ARGUMENT = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")


def _path(rule, values: dict, hostile: tuple[str, str] | None = None) -> str:
    """The rule's path with valid values, or with argument `hostile[0]` replaced by `hostile[1]` (raw)."""

    def one(match):
        converter, name = match.group(1) or "default", match.group(2)
        if hostile and hostile[0] == name:
            return hostile[1]
        return quote(str(values.get(name, 1 if converter == "int" else "x")), safe="/")

    return _ARGUMENT.sub(one, rule.rule)


def _module_source(rule) -> str:
    view = current_app.view_functions[rule.endpoint]
    module = sys.modules.get(inspect.unwrap(view).__module__)
    try:
        return inspect.getsource(module)
    except (TypeError, OSError):
        return ""


def _forms() -> dict[str, type]:
    found, todo = {}, [Form]
    while todo:
        cls = todo.pop()
        found[cls.__name__] = cls
        todo += cls.__subclasses__()
    return found


def _fields(rule, forms: dict[str, type]) -> tuple[list[str], list[str]]:
    """The fields a POST to `rule` may read (its module's forms' and its direct reads), and which of
    them are file uploads."""
    source = _module_source(rule)
    names = set(re.findall(r"request\.(?:form|values)\.get\(\"(\w+)\"", source))
    files = set()
    for used in set(re.findall(r"\b(\w+Form)\(", source)):
        cls = forms.get(used)
        if cls is not None:
            for name in dir(cls):
                field_class = getattr(getattr(cls, name), "field_class", None)
                if field_class is not None:
                    (files if issubclass(field_class, FileField) else names).add(name)
    names.discard("csrf_token")
    return sorted(names), sorted(files)


def _hostile_files() -> list[tuple[str, bytes, str]]:
    """(label, content, file name): Word files python-docx cannot read, text with NUL and invalid UTF-8."""
    out = io.BytesIO()
    docx.Document().save(out)
    broken = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as source, zipfile.ZipFile(broken, "w") as target:
        for item in source.infolist():
            target.writestr(item, b"<Types/>" if item.filename == "[Content_Types].xml" else source.read(item.filename))
    return [
        ("docx <Types/>", broken.getvalue(), "entwurf.docx"),
        ("docx not a zip", b"PK\x03\x04" + b"\x00" * 64, "entwurf.docx"),
        (
            "text with NUL",
            "E-Mail,Organisation,Rolle\nx\x00@example.org,V1,delegate\n# Titel\x00\n".encode(),
            "liste.csv",
        ),
        ("Markdown with NUL", "# Titel\n\nEin\x00 Absatz mit \x1b Steuerzeichen.\n".encode(), "entwurf.md"),
        ("invalid UTF-8", b"\xc0\xaf\xff\xfe Titel\n", "entwurf.md"),
        ("invalid UTF-8 csv", b"\xc0\xaf\xff\xfe,x\n", "liste.csv"),
    ]


def _multipart(pairs: list[tuple[str, object]]) -> tuple[str, bytes]:
    boundary, body = encode_multipart(MultiDict(pairs))
    return f"multipart/form-data; boundary={boundary}", body


def _query_names(rule) -> list[str]:
    """The query arguments the view's module reads, and `page` (read through consult.core.pages)."""
    return sorted(set(re.findall(r"request\.(?:args|values)\.get\(\"(\w+)\"", _module_source(rule))) | {"page"})


def _body(pairs: list[tuple[str, str]]) -> bytes:
    """A form body from already-encoded values (so that invalid bytes can be sent)."""
    return "&".join(f"{quote(name)}={value}" for name, value in pairs).encode("ascii")


def _plausible(name: str, fill: dict, encode=quote) -> str:
    return encode(PLAUSIBLE.get(name, "Ein Text").format(**fill, serial=next(_serial)))


def _bodies(names: list[str], token: str, fill: dict) -> list[tuple[str, bytes]]:
    """(label, body) of each hostile form for one POST route."""
    csrf = [("csrf_token", token)]
    bodies = [("empty", _body(csrf))]
    for label, value in HOSTILE_VALUES.items():
        bodies.append((label, _body(csrf + [(name, value) for name in names])))
    bodies.append(("duplicated", _body(csrf + [(name, _plausible(name, fill)) for name in names for _ in (1, 2)])))
    huge = {key: 10**20 for key in fill}
    bodies.append(("huge-ids", _body(csrf + [(name, _plausible(name, huge)) for name in names])))
    vote = PLAUSIBLE["vote"].format(**fill)
    if "vote" in names:
        bodies.append(
            ("duplicated-vote", _body(csrf + [("vote", quote(vote)), ("vote", quote(vote.replace("yes", "no")))]))
        )
    # 100,000 characters in each field, in bodies that stay below the form limit.
    per_body = max(1, ((current_app.config["MAX_CONTENT_LENGTH"] or 2**20) - 10_000) // len(LONG))
    for start in range(0, len(names), per_body):
        chunk = names[start : start + per_body]
        bodies.append(
            (
                "long",
                _body(
                    csrf
                    + [(name, LONG) for name in chunk]
                    + [(name, _plausible(name, fill)) for name in names if name not in chunk]
                ),
            )
        )
    return bodies


def _walk(app, role: str, seeded: dict, failures: list, counter: list) -> dict[str, int]:
    """Walk every rule as `role`; returns the status of each valid GET (to show the ids reached something)."""
    client = app.test_client()
    if role != "guest":
        response = Auth(client).login(seeded["emails"][role], factories.PASSWORD)
        assert response.status_code == 302, f"{role} could not sign in"
    forms = _forms()
    values, fill = seeded["values"], seeded["fill"]

    reached: dict[str, int] = {}

    def send(
        method: str,
        url: str,
        body: bytes | None = None,
        label: str = "",
        content_type: str = "application/x-www-form-urlencoded",
        headers: dict | None = None,
    ) -> None:
        counter[0] += 1
        try:
            if body is None:
                status = client.open(url, method=method).status_code
            else:
                status = client.open(
                    url, method=method, data=body, content_type=content_type, headers=headers or {}
                ).status_code
        except Exception as error:  # noqa: BLE001  (TESTING propagates what would be a 500)
            status = f"{type(error).__name__}: {str(error)[:120]}".replace("\n", " ")
        if label == "valid":
            reached[url] = status
        if not isinstance(status, int) or status >= 500:
            shown = url if len(url) < 160 else url[:150] + f"…({len(url)} chars)"
            failures.append(f"{method} {shown} [{label}] as {role}: {status}")

    rules = sorted(
        (r for r in app.url_map.iter_rules()), key=lambda r: (any(w in r.endpoint for w in LAST_WORDS), r.rule)
    )
    for rule in rules:
        methods = sorted(rule.methods & {"GET", "POST"})
        for method in methods:
            token = csrf_token(client.get("/").get_data(as_text=True)) if method == "POST" else None
            names, files = _fields(rule, forms) if method == "POST" else ([], [])
            minimal = _body([("csrf_token", token)]) if token else None
            valid = _path(rule, values)
            for argument in rule.arguments:
                for value in HOSTILE_PATH:
                    send(method, _path(rule, values, (argument, value)), minimal, f"path {argument}")
            if method == "GET":
                query_names = _query_names(rule)
                send("GET", valid, label="valid")
                for n in query_names:
                    send("GET", f"{valid}?{n}=%00", label="NUL query")
                    send("GET", f"{valid}?{n}={10**20}", label="huge query number")
                send("GET", f"{valid}?{'&'.join(f'{n}=%C0%AF' for n in query_names)}", label="invalid UTF-8 query")
                send("GET", f"{valid}?{'&'.join(f'{n}=1&{n}=2' for n in query_names)}", label="repeated query")
                send("GET", f"{valid}?page=2147483647", label="last page")
            else:
                for label, body in _bodies(names, token, fill):
                    send("POST", valid, body, label)
                json_body = json.dumps({name: "Text\x00\ud800mehr" for name in names}).encode()
                send("POST", valid, json_body, "JSON with NUL", "application/json", {"X-CSRFToken": token})
                for other in (b'"abc"', b"[1, 2]", b'{"a": {"b": 1}}', b"{"):
                    send("POST", valid, other, f"JSON {other!r}", "application/json", {"X-CSRFToken": token})
                for upload in files:
                    for label, content, filename in _hostile_files():
                        pairs = [
                            ("csrf_token", token),
                            *((n, _plausible(n, fill, str)) for n in names),
                            (upload, FileStorage(io.BytesIO(content), filename)),
                        ]
                        content_type, body = _multipart(pairs)
                        send("POST", valid, body, f"file: {label}", content_type)
    return reached


def test_no_request_gets_a_server_error(app, backend, stamped):
    """The url_map × hostile values × roles walk: every answer is below 500."""
    app.test_client_class = IsolatedClient
    with app.test_request_context():
        seeded = _seed()
    failures: list[str] = []
    counter = [0]
    reached = {}
    for role in ("guest", "delegate", "moderator", "board", "admin"):
        reached[role] = _walk(app, role, seeded, failures, counter)
    SENT[backend] = SENT.get(backend, 0) + counter[0]
    print(f"hostile walk on {backend}: {counter[0]} requests, {len(failures)} server errors")
    assert not failures, f"{len(failures)} server errors of {counter[0]} requests:\n" + "\n".join(failures[:200])
    # The seeded ids are real: the pages a role may see answer 200 (not a 404 for a wrong id).
    slug = seeded["values"]["slug"]
    for role in ("delegate", "moderator", "board", "admin"):
        assert reached[role][f"/drafts/{slug}"] == 200, role
    # (the delegate withdraws the amendment at the end of their walk: others may not see it after)
    assert reached["delegate"][f"/drafts/{slug}/amendments/{seeded['values']['amendment_id']}"] == 200
    assert reached["admin"][f"/admin/people/{seeded['values']['person_id']}"] == 200
    assert reached["moderator"]["/moderation"] == 200
    assert reached["guest"]["/readyz"] == 200  # the schema is current (`stamped`): ready
