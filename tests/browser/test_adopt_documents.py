"""The board adopts a draft and the documents follow (issue 14, point 8 and its browser "Done when" point).

The demo participation-law draft is in voting with the whole draft carried. The board opens the
adoption's confirmation page and confirms by keyboard; the answer is the position page, which says
"Dokumente werden erstellt …" while the job renders in a thread of the server (held back here
until the page has been looked at), and shows the download links by itself once they are made
(htmx polls the block). The board downloads every stored format and each is checked for its
type; signed out, the public address shows the adopted text and its public downloads work.

Screenshots (CONSULT_SCREENSHOTS=/work/shots/adopt): adopt-pending.png, adopt-ready.png,
adopt-public.png. Runs once per database backend (through `live_server` -> `app`).
"""

from __future__ import annotations

import io
import threading
import zipfile

import pytest
from playwright.sync_api import Page, expect

from consult.accounts.models import User
from consult.core import clock
from consult.demo.content import DELEGATES, STAFF
from consult.demo.services import demo_email
from consult.drafts.models import Phase
from consult.drafts.services import get_by_slug, is_heading, paragraph_rows, set_phase
from consult.exports.formats import FORMATS, Format
from consult.exports.storage import STORED_FORMATS
from consult.exports.views import PUBLIC_FORMATS
from consult.extensions import db
from consult.votes.models import Choice
from consult.votes.services import cast_vote
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser

SLUG = "participation-law"
BOARD = demo_email(STAFF["board"])


def looks_like(name: str, content: bytes) -> bool:
    """The file is not empty and of the format's type (read, not only sniffed, where cheap)."""
    if not content:
        return False
    if name.endswith("pdf"):
        return content.startswith(b"%PDF")
    if name.endswith("docx"):
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return "word/document.xml" in archive.namelist() and b"<w:body" in archive.read("word/document.xml")
    text = content.decode("utf-8")
    if name == "md":
        return text.startswith("# ") and "Für ein Bundespartizipationsgesetz" in text
    if name.endswith("html"):
        return text.lstrip().lower().startswith("<!doctype html") and "Für ein Bundespartizipationsgesetz" in text
    raise AssertionError(f"no check for {name}")


def download(page: Page, selector: str) -> tuple[str, bytes]:
    with page.expect_download() as info:
        page.locator(selector).click()
    with open(info.value.path(), "rb") as file:
        return info.value.suggested_filename, file.read()


def test_the_board_adopts_and_the_documents_follow(app, live_server, page: Page, monkeypatch, screenshot_dir):
    base = live_server
    # -- the draft in voting, carried by three organisations' yes (as the delegates' votes would be)
    draft = get_by_slug(SLUG)
    set_phase(draft, Phase.VOTING)
    with app.test_request_context():
        for short_name in ("IEB", "NAVE", "GDGW"):
            voter = db.session.query(User).filter_by(email=demo_email(DELEGATES[short_name][0], short_name)).one()
            cast_vote(voter, draft, None, Choice.YES, clock.now())
    db.session.commit()
    # -- the documents are made by a thread of the server, held back until the pending page was seen
    app.config["DOCUMENTS_IN_BACKGROUND"] = True
    release = threading.Event()
    real_pdf = FORMATS["pdf"]

    def held_pdf(document):
        release.wait(30)
        return real_pdf.write(document)

    monkeypatch.setitem(FORMATS, "pdf", Format(held_pdf, real_pdf.media_type, real_pdf.ending))

    # -- the board adopts: from its page to the confirmation, confirmed by keyboard
    sign_in(page, base, BOARD)
    page.goto(f"{base}/drafts/{SLUG}/settings")
    page.locator("a[href$='/phase?to=adopted']").focus()
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_contain_text("Beschlossen")
    page.locator("#reason").focus()
    page.keyboard.type("Beschluss der Mitgliederversammlung")
    page.locator("main form[action$='/phase'] button[type=submit]").focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{base}/positions/{SLUG}")
    expect(page.locator(".flashes")).to_contain_text("Der Entwurf ist beschlossen")
    pending = page.locator("#documents")
    expect(pending).to_contain_text("Dokumente werden erstellt …")
    expect(pending.locator("a")).to_have_count(0)
    if screenshot_dir is not None:
        page.screenshot(path=str(screenshot_dir / "adopt-pending.png"), full_page=False)
    page.wait_for_timeout(2500)  # a poll or two while the job is held: still pending, same page
    expect(pending).to_contain_text("Dokumente werden erstellt …")

    release.set()
    ready = page.locator("#documents a[href$='/download/pdf']")
    expect(ready).to_be_visible(timeout=60_000)  # the block polled itself; nobody reloaded the page
    expect(page.locator("#documents")).not_to_contain_text("Dokumente werden erstellt")
    if screenshot_dir is not None:
        page.screenshot(path=str(screenshot_dir / "adopt-ready.png"), full_page=False)

    # -- every stored format, from the links the board sees on the position page
    links = {name: f"#documents a[href$='/download/{name}']" for name in PUBLIC_FORMATS}
    links.update({name: f"#documents a[href$='/export/{name}']" for name in STORED_FORMATS if name not in links})
    assert set(links) == set(STORED_FORMATS) | set(PUBLIC_FORMATS)
    for name, selector in links.items():
        filename, content = download(page, selector)
        assert filename.startswith(f"{SLUG}-") and looks_like(name, content), (name, filename, content[:40])

    # -- signed out, the public address: the adopted text and its downloads
    page.locator("form[action$='/logout'] button[type=submit]").click()
    expect(page.locator("form[action$='/logout']")).to_have_count(0)
    page.goto(f"{base}/positions/{SLUG}")
    expect(page.locator("h1")).to_have_text("Für ein Bundespartizipationsgesetz")
    expect(page.locator(".draft-head .eyebrow")).to_contain_text("Beschlossene Position")
    db.session.expire_all()
    adopted = get_by_slug(SLUG)
    texts = [row for row in paragraph_rows(adopted.versions[-1]) if not is_heading(row.text)]
    assert adopted.adopted_version_id == adopted.versions[-1].id
    expect(page.locator(f"#p{texts[0].position} .paragraph__body")).to_contain_text(texts[0].text.split()[0])
    expect(page.locator(".draft-text .paragraph")).to_have_count(len(paragraph_rows(adopted.versions[-1])))
    expect(page.locator("#documents a[href*='/export/']")).to_have_count(0)  # the change document stays with the board
    if screenshot_dir is not None:
        page.screenshot(path=str(screenshot_dir / "adopt-public.png"), full_page=False)
    for name in PUBLIC_FORMATS:
        filename, content = download(page, f"#documents a[href$='/download/{name}']")
        assert looks_like(name, content), (name, filename)
