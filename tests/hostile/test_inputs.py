"""The requests seen to give a server error, one by one: each is refused in the person's language,
and nothing is stored."""

from __future__ import annotations

import io
import re
import zipfile
from urllib.parse import quote

import pytest
from sqlalchemy import func, select

from consult.accounts.models import Role, User
from consult.amendments.models import AmendmentKind
from consult.amendments.services import propose
from consult.comments.models import Comment
from consult.core import clock
from consult.drafts.models import Draft, Phase
from consult.extensions import db
from consult.votes.models import Vote
from tests import factories
from tests.conftest import csrf_token

HUGE = "99999999999999999999"
HX = {"HX-Request": "true"}
FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def world(app):
    org = factories.organisation(short_name="ABC")
    people = {
        "amira": factories.user(email="amira@example.org", name="Amira", org=org),
        "admin": factories.user(email="admin@example.org", roles=(Role.ADMIN,)),
        "board": factories.user(email="board@example.org", roles=(Role.BOARD,)),
        "moderator": factories.user(email="mod@example.org", roles=(Role.MODERATOR,)),
    }
    draft = factories.draft(paragraphs=4, phase=Phase.COMMENTING, slug="teilhabe")
    text = draft.versions[0].texts[1]
    amendment = propose(people["amira"], draft, text, AmendmentKind.REPLACE, "Neu.", "Weil.", clock.now())
    db.session.commit()
    return {"pid": text.paragraph_id, "amendment_id": amendment.id, **people}


def _count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def _token(client, url="/") -> str:
    return csrf_token(client.get(url).get_data(as_text=True))


def _raw(pairs: dict) -> bytes:
    """A form body from values that are already percent-encoded (so that invalid bytes can be sent)."""
    return "&".join(f"{name}={value}" for name, value in pairs.items()).encode("ascii")


@pytest.mark.parametrize(
    "url",
    [
        "/comments/{huge}/edit",
        "/drafts/teilhabe/amendments/{huge}",
        "/drafts/teilhabe/paragraphs/{huge}/thread",
        "/drafts/teilhabe/paragraphs/{pid}/thread?page={huge}",
        "/admin/people?page={huge}",
        "/audit?page={huge}",
        "/drafts/teilhabe/paragraphs/{pid}/thread?page=2",
        "/admin/people?page=2",
        "/audit?page=2",
        "/drafts/teilhabe?open={pid}&page=2",
        "/drafts/teilhabe?open={pid}&page={huge}",
        "/drafts/teilhabe/paragraphs/{pid}/thread?amendment={huge}",
        "/drafts/teilhabe/compare?from={huge}",
    ],
)
def test_an_id_or_page_beyond_what_exists_is_a_404(client, auth, world, url):
    auth.login("admin@example.org", factories.PASSWORD)
    url = url.format(huge=HUGE, pid=world["pid"])
    response = (
        client.post(url, data={"csrf_token": _token(client)}) if url.endswith("/edit") else client.get(url, headers=HX)
    )
    assert response.status_code == 404, url


def test_a_vote_for_a_paragraph_beyond_the_integer_range_is_refused(client, auth, world, app):
    auth.login("amira@example.org", factories.PASSWORD)
    draft = db.session.scalars(select(Draft)).one()
    draft.phase = Phase.VOTING
    db.session.commit()
    token = _token(client)
    response = client.post("/drafts/teilhabe/votes", data={"csrf_token": token, "vote": f"{HUGE}:yes"}, headers=HX)
    assert response.status_code in (400, 404)
    pid = world["pid"]
    response = client.post(
        "/drafts/teilhabe/votes",
        content_type=FORM,
        headers=HX,
        data=_raw({"csrf_token": token, "vote": f"{pid}%3Ayes"}) + f"&vote={pid}%3Ano".encode(),
    )
    assert response.status_code == 400
    assert _count(Vote) == 0
    response = client.post("/drafts/teilhabe/votes", data={"csrf_token": token, "vote": f"{pid}:yes"}, headers=HX)
    assert response.status_code == 200 and _count(Vote) == 1


@pytest.mark.parametrize("bad", ["%00", "%07", "%1B", "%ED%A0%80", "%C0%AF", "%EF%BF%BE%FF"])
def test_a_comment_with_unreadable_characters_comes_back_with_its_text(client, auth, world, bad):
    """NUL, other control characters, a lone surrogate, invalid UTF-8: 400, the form with the text minus the
    characters, a German message; nothing stored."""
    auth.login("amira@example.org", factories.PASSWORD)
    body = f"Wir{bad}%20unterst%C3%BCtzen%20das."
    response = client.post(
        f"/drafts/teilhabe/paragraphs/{world['pid']}/comments",
        content_type=FORM,
        headers=HX,
        data=_raw({"csrf_token": _token(client), "body": body, "stance": "support"}),
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Der Text enthielt Zeichen, die nicht gespeichert werden können" in page
    assert "unterstützen das." in page and "\x00" not in page and "\ufffd" not in page
    assert _count(Comment) == 0


def test_tab_and_newlines_are_text(client, auth, world):
    auth.login("amira@example.org", factories.PASSWORD)
    response = client.post(
        f"/drafts/teilhabe/paragraphs/{world['pid']}/comments",
        content_type=FORM,
        data=_raw({"csrf_token": _token(client), "body": "Erstens%09eins%0D%0AZweitens", "stance": "support"}),
    )
    assert response.status_code == 302 and _count(Comment) == 1


def test_a_name_with_nul_is_refused_and_kept(client, auth, world):
    auth.login("amira@example.org", factories.PASSWORD)
    response = client.post(
        "/account/name",
        content_type=FORM,
        data=_raw({"csrf_token": _token(client, "/account"), "name": "Amira%00%20Yilmaz"}),
    )
    assert response.status_code == 400
    assert "Der Text enthielt Zeichen" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, world["amira"].id).name == "Amira"


@pytest.mark.parametrize("query", ["q=%00", "q=%C0%AF", "q=a&q=b"])
def test_a_search_with_unreadable_characters_or_twice_is_a_400_in_german(client, auth, world, query):
    auth.login("admin@example.org", factories.PASSWORD)
    response = client.get(f"/admin/people?{query}")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "nicht verarbeitet werden" in page or "mehrmals gesendet" in page


def test_a_draft_text_with_nul_is_refused(client, auth, world):
    auth.login("board@example.org", factories.PASSWORD)
    draft = db.session.scalars(select(Draft)).one()
    draft.phase = Phase.PREPARATION
    db.session.commit()
    before = [t.text for t in draft.versions[0].texts]
    response = client.post(
        "/drafts/teilhabe/text", content_type=FORM, data=_raw({"csrf_token": _token(client), "text": "Neu%00er%20Text"})
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Neuer Text" in page and "Der Text enthielt Zeichen" in page
    db.session.expire_all()
    assert [t.text for t in db.session.scalars(select(Draft)).one().versions[0].texts] == before


def _docx_with(content_types: bytes) -> bytes:
    import docx

    out = io.BytesIO()
    docx.Document().save(out)
    broken = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as source, zipfile.ZipFile(broken, "w") as target:
        for item in source.infolist():
            data = content_types if item.filename == "[Content_Types].xml" else source.read(item.filename)
            target.writestr(item, data)
    return broken.getvalue()


@pytest.mark.parametrize(
    "content",
    [
        _docx_with(b"<Types/>"),
        _docx_with(
            b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'
        ),
        _docx_with(b"kein xml"),
        b"PK\x03\x04" + b"\x00" * 100,
    ],
)
def test_a_word_file_python_docx_cannot_read_is_refused_and_nothing_stored(client, auth, world, content):
    auth.login("board@example.org", factories.PASSWORD)
    drafts = _count(Draft)
    response = client.post(
        "/drafts/new",
        content_type="multipart/form-data",
        data={
            "csrf_token": _token(client, "/drafts/new"),
            "title": "Kaputt",
            "slug": "kaputt",
            "upload": (io.BytesIO(content), "kaputt.docx"),
        },
    )
    assert response.status_code == 422
    assert "Diese Datei kann nicht gelesen werden" in response.get_data(as_text=True)
    assert _count(Draft) == drafts


def test_a_markdown_file_with_control_characters_is_refused_and_nothing_stored(client, auth, world):
    auth.login("board@example.org", factories.PASSWORD)
    drafts = _count(Draft)
    response = client.post(
        "/drafts/new",
        content_type="multipart/form-data",
        data={
            "csrf_token": _token(client, "/drafts/new"),
            "title": "Steuerzeichen",
            "slug": "steuerzeichen",
            "upload": (io.BytesIO("# Titel\n\nEin\x00 Absatz.\n".encode()), "entwurf.md"),
        },
    )
    assert response.status_code == 422
    assert "Diese Datei kann nicht gelesen werden" in response.get_data(as_text=True)
    assert _count(Draft) == drafts


def test_a_body_over_the_limit_is_a_413_that_names_it(client, auth, world):
    auth.login("amira@example.org", factories.PASSWORD)
    body = b"csrf_token=" + _token(client).encode() + b"&stance=support&body=" + b"x" * (50 * 1024 * 1024)
    response = client.post(f"/drafts/teilhabe/paragraphs/{world['pid']}/comments", content_type=FORM, data=body)
    assert response.status_code == 413
    assert "größer als 1 MB" in response.get_data(as_text=True)
    assert _count(Comment) == 0


def _multipart(fields: dict) -> tuple[str, bytes]:
    """A multipart body in memory (the test client would spool a large one to a file it leaves open)."""
    from werkzeug.datastructures import FileStorage, MultiDict
    from werkzeug.test import encode_multipart

    values = MultiDict(
        {
            name: FileStorage(io.BytesIO(value[0]), value[1]) if isinstance(value, tuple) else value
            for name, value in fields.items()
        }
    )
    boundary, body = encode_multipart(values)
    return f"multipart/form-data; boundary={boundary}", body


def test_an_upload_may_be_larger_than_a_form_but_not_than_its_own_limit(client, auth, world):
    auth.login("board@example.org", factories.PASSWORD)
    token = _token(client, "/drafts/new")
    big = ("Ein Absatz über Teilhabe.\n\n" * 80_000).encode()  # about 2 MB: more than a form, less than an upload
    content_type, body = _multipart(
        {"csrf_token": token, "title": "Groß", "slug": "gross", "upload": (big, "gross.md")}
    )
    response = client.post("/drafts/new", content_type=content_type, data=body)
    assert response.status_code != 413
    content_type, body = _multipart(
        {"csrf_token": token, "title": "Riesig", "slug": "riesig", "upload": (b"x" * (11 * 1024 * 1024), "riesig.md")}
    )
    response = client.post("/drafts/new", content_type=content_type, data=body)
    assert response.status_code == 413 and "größer als 10 MB" in response.get_data(as_text=True)


def test_the_413_page_is_in_the_persons_language(client, auth, world):
    auth.login("amira@example.org", factories.PASSWORD)
    client.post("/language", data={"csrf_token": _token(client), "language": "en"})
    body = b"csrf_token=" + _token(client).encode() + b"&body=" + b"x" * (2 * 1024 * 1024)
    response = client.post(f"/drafts/teilhabe/paragraphs/{world['pid']}/comments", content_type=FORM, data=body)
    assert response.status_code == 413 and "larger than 1 MB" in response.get_data(as_text=True)


def test_a_path_with_nul_or_invalid_utf8_names_nothing(client, world):
    for url in (
        "/drafts/%00",
        "/drafts/te%C0%AFilhabe",
        "/api/v1/drafts/%00",
        "/positions/%00",
        "/password/reset/%00",
        "/invitations/accept/%00",
    ):
        assert client.get(url).status_code == 404, url


def test_quote_in_the_query_with_nul_is_a_400(client, auth, world):
    auth.login("amira@example.org", factories.PASSWORD)
    response = client.get(f"/drafts/teilhabe/paragraphs/{world['pid']}/thread?quote=a{quote(chr(0))}", headers=HX)
    assert response.status_code == 400


@pytest.mark.parametrize(
    "payload",
    [
        '{"body": "Wir\\u0000 auch.", "stance": "support"}',
        '{"body": "Wir\\ud800 auch.", "stance": "support"}',
        '"abc"',
        "[1, 2]",
    ],
)
def test_a_comment_sent_as_json_is_checked_like_a_form(client, auth, world, payload):
    auth.login("amira@example.org", factories.PASSWORD)
    response = client.post(
        f"/drafts/teilhabe/paragraphs/{world['pid']}/comments",
        data=payload.encode(),
        content_type="application/json",
        headers={"X-CSRFToken": _token(client), **HX},
    )
    assert response.status_code == 400
    assert _count(Comment) == 0


def test_a_form_field_sent_twice_is_a_400_and_nothing_is_stored(client, auth, world):
    auth.login("amira@example.org", factories.PASSWORD)
    response = client.post(
        f"/drafts/teilhabe/paragraphs/{world['pid']}/comments",
        content_type=FORM,
        data=_raw({"csrf_token": _token(client), "body": "Erstens", "stance": "support"}) + b"&body=Zweitens",
    )
    assert response.status_code == 400
    assert "mehrmals gesendet" in response.get_data(as_text=True)
    assert _count(Comment) == 0


def test_a_number_beyond_the_integer_range_in_a_form_is_refused(client, auth, world):
    auth.login("amira@example.org", factories.PASSWORD)
    response = client.post(
        f"/drafts/teilhabe/paragraphs/{world['pid']}/comments",
        headers=HX,
        data={
            "csrf_token": _token(client),
            "body": "Ein Zitat.",
            "stance": "support",
            "quote": "Absatz",
            "quote_start": HUGE,
            "parent_id": HUGE,
        },
    )
    assert response.status_code in (400, 422)
    assert _count(Comment) == 0


def test_a_report_reason_with_nul_comes_back_typed_and_nothing_is_stored(client, auth, world):
    from consult.comments.models import Stance
    from consult.comments.services import post_comment
    from consult.moderation.models import Report

    draft = db.session.scalars(select(Draft)).one()
    text = draft.versions[0].texts[1]
    comment = post_comment(world["amira"], draft, text, "Ein Kommentar.", Stance.SUPPORT, clock.now())
    db.session.commit()
    auth.login("admin@example.org", factories.PASSWORD)
    response = client.post(
        f"/comments/{comment.id}/report",
        content_type=FORM,
        data=_raw({"csrf_token": _token(client), "reason": "Beleidigend%00%20und%20falsch"}),
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Beleidigend und falsch" in page and "Der Text enthielt Zeichen" in page
    assert _count(Report) == 0


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_a_moderation_reason_with_nul_comes_back_typed_and_nothing_is_decided(client, auth, world, htmx):
    """The queue has no place for a typed reason: the kept-form page (consult.core.kept_text) shows it,
    without the refused characters, ready to send again to the same decision; with htmx it takes the body."""
    from consult.amendments.models import Amendment, AmendmentStatus

    auth.login("mod@example.org", factories.PASSWORD)
    url = f"/moderation/amendments/{world['amendment_id']}"
    headers = {"HX-Request": "true"} if htmx else {}
    response = client.post(
        url,
        content_type=FORM,
        headers=headers,
        data=_raw(
            {"csrf_token": _token(client, "/moderation"), "decision": "reject", "reason": "Doppelt%00%20eingereicht."}
        ),
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    form = re.search(r'<form method="post" action="([^"]+)" class="kept-form">(.*?)</form>', page, re.S)
    assert form and form.group(1) == url
    assert "Doppelt eingereicht.</textarea>" in form.group(2) and "Der Text enthielt Zeichen" in page
    assert '<input type="hidden" name="decision" value="reject">' in form.group(2)
    assert (response.headers.get("HX-Retarget") == "body") is htmx
    db.session.expire_all()
    assert db.session.get(Amendment, world["amendment_id"]).status == AmendmentStatus.SUBMITTED
