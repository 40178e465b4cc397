"""Phones (issue 17, point 4), in a real browser, in German and Arabic:

- the header folds behind one "Menü" button and takes at most 12 % of a 390 × 844 screen; the menu opens by
  keyboard and without JavaScript (a <details>), and wide screens show it open without the button;
- the numbered text flows: no paragraph takes more rows than its words need, and the line numbers stay as
  marks inside the text, many in mid-row (a forced break per numbered line puts every mark at a row start);
- no page of the main flow, for any role, scrolls sideways at 320 px, and every control there is a tap target
  of at least 24 × 24 px (or has that much room around it, or is a link inside a sentence: WCAG 2.5.8).

Runs once per database backend (through `live_server` -> `app`). Screenshots go to CONSULT_SCREENSHOTS
(phones-*.png) when it is set.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from consult.extensions import db
from tests.browser.conftest import sign_in
from tests.browser.phone_content import DRAFT_SLUG, fill_queue

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
SMALL_PHONE = {"width": 320, "height": 640}
TABLET = {"width": 768, "height": 1024}  # up to 54rem the text column is narrower than an 80-character line
LOCALES = {"de": "de-DE", "ar": "ar"}
STAFF = {
    "moderator": "leyla.hoffmann@demo.bundeskonferenz.example",
    "board": "dr.aleksandra.sahin@demo.bundeskonferenz.example",
    "admin": "tobias.nguyen@demo.bundeskonferenz.example",
}
DELEGATE = "elif.kaya@ieb.demo.bundeskonferenz.example"
VOTING_SLUG = "diversity-council"


@pytest.fixture
def phone_context(browser, browser_context_args):
    """Makes browser contexts of a phone in a language (closed after the test); `new_context` cannot, as the
    session's context arguments already name a locale."""
    contexts = []

    def make(locale: str, viewport: dict, **options):
        arguments = {
            **browser_context_args,
            "locale": LOCALES[locale],
            "viewport": viewport,
            "device_scale_factor": 1,
            "has_touch": True,
            **options,
        }
        contexts.append(browser.new_context(**arguments))
        return contexts[-1]

    yield make
    for context in contexts:
        context.close()


# -- The header ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
def test_header_folds_behind_one_menu_that_works_by_keyboard_without_javascript(
    live_server, phone_context, locale, screenshot_dir
):
    context = phone_context(locale, PHONE, java_script_enabled=False)
    page = context.new_page()
    sign_in(page, live_server, STAFF["admin"])  # the fullest header: queue, audit log, administration
    page.goto(f"{live_server}/drafts/{DRAFT_SLUG}")
    header = page.locator(".site-header").bounding_box()
    assert header["height"] <= 0.12 * PHONE["height"], header
    toggle = page.locator(".site-menu__toggle")
    expect(toggle).to_be_visible()
    expect(toggle).to_have_text("Menü" if locale == "de" else "القائمة")
    audit = page.locator(".site-nav a[href$='/audit']")
    expect(audit).to_be_hidden()
    expect(page.locator("form[action$='/logout'] button")).to_be_hidden()
    if screenshot_dir is not None:
        page.screenshot(path=str(screenshot_dir / f"phones-header-closed-{locale}-390.png"))

    # Keyboard only, no JavaScript: skip link, brand, then the menu; Enter opens it and Tab goes into it.
    page.locator("body").focus()
    for _ in range(3):
        page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.classList.contains('site-menu__toggle')")
    page.keyboard.press("Enter")
    expect(page.locator("details.site-menu")).to_have_attribute("open", "")
    expect(audit).to_be_visible()
    expect(page.locator("form[action$='/logout'] button")).to_be_visible()
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.closest('.site-nav') !== null")
    if screenshot_dir is not None:
        page.screenshot(path=str(screenshot_dir / f"phones-header-open-{locale}-390.png"))
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")
    expect(audit).to_be_hidden()

    # A wide screen shows the menu's content in the header, without the button, in one row.
    page.set_viewport_size({"width": 1280, "height": 800})
    expect(toggle).to_be_hidden()
    expect(audit).to_be_visible()
    expect(page.locator("form[action$='/logout'] button")).to_be_visible()
    assert page.locator(".site-header").bounding_box()["height"] <= 64


# -- The numbered text ----------------------------------------------------------------------------------------------

# For each paragraph of plain text: the rows its text takes, and the rows the same text takes in a copy without
# the line breaks of the 80-character lines (the writer's own, .br-hard, stay); and how many line numbers (after a
# paragraph's first) begin a row. Rows are counted from the text's own boxes (the number is a ::before, no text).
FLOW_JS = """() => {
  const rowsOf = (body) => {
    const lineHeight = parseFloat(getComputedStyle(body).lineHeight) || 24;
    const walker = document.createTreeWalker(body, NodeFilter.SHOW_TEXT);
    const tops = [];
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const range = document.createRange();
      range.selectNodeContents(node);
      for (const r of range.getClientRects()) {
        if (r.width > 1 && !tops.some(top => Math.abs(top - r.top) < lineHeight / 2)) tops.push(r.top);
      }
    }
    return tops.length;
  };
  const out = {paragraphs: [], marks: 0, marksAtRowStart: 0};
  for (const body of document.querySelectorAll('li.paragraph > .paragraph__body')) {
    if (body.querySelector('table, pre')) continue;
    const copy = body.cloneNode(true);
    copy.removeAttribute('id');
    copy.querySelectorAll('br:not(.br-hard)').forEach(br => br.remove());
    body.after(copy);
    out.paragraphs.push({id: body.id, rows: rowsOf(body), flowing: rowsOf(copy)});
    copy.remove();
    // A mark begins a row when the text before it ends on another row than the text after it starts.
    const texts = [];
    const walker = document.createTreeWalker(body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) if (node.textContent.trim()) texts.push(node);
    const rectsOf = node => { const range = document.createRange(); range.selectNodeContents(node);
                              return [...range.getClientRects()].filter(r => r.width > 1); };
    const lineHeight = parseFloat(getComputedStyle(body).lineHeight) || 24;
    for (const mark of [...body.querySelectorAll('.ln')].slice(1)) {
      const before = texts.filter(t => t.compareDocumentPosition(mark) & Node.DOCUMENT_POSITION_FOLLOWING).pop();
      const after = texts.find(t => t.compareDocumentPosition(mark) & Node.DOCUMENT_POSITION_PRECEDING);
      if (!before || !after) continue;
      out.marks += 1;
      const end = rectsOf(before).pop(), start = rectsOf(after)[0];
      if (end && start && Math.abs(end.top - start.top) >= lineHeight / 2) out.marksAtRowStart += 1;
    }
  }
  return out;
}"""


@pytest.mark.parametrize("locale", LOCALES)
def test_numbered_text_flows_on_a_phone_with_its_line_numbers_as_marks(
    live_server, phone_context, locale, screenshot_dir
):
    context = phone_context(locale, PHONE)
    page = context.new_page()
    sign_in(page, live_server, DELEGATE)
    for slug, viewport in ((DRAFT_SLUG, PHONE), (VOTING_SLUG, PHONE), (DRAFT_SLUG, SMALL_PHONE), (DRAFT_SLUG, TABLET)):
        page.set_viewport_size(viewport)
        page.goto(f"{live_server}/drafts/{slug}")
        expect(page.locator("li.paragraph").first).to_be_visible()
        facts = page.evaluate(FLOW_JS)
        assert len(facts["paragraphs"]) > 5 and facts["marks"] > 20, facts
        ragged = [p for p in facts["paragraphs"] if p["rows"] > p["flowing"]]
        assert not ragged, (
            f"{slug} at {viewport['width']} px: paragraphs broken into more rows than their text needs: {ragged}"
        )
        # With a break per numbered line every mark begins a row; flowing, a mark begins one only where its line's
        # first word happened to wrap (often at 320 px, where long German words wrap a lot).
        assert facts["marksAtRowStart"] <= 0.75 * facts["marks"], facts
        # Every line keeps its number, shown in the text.
        shown = page.locator(".paragraph__body .ln").evaluate_all(
            "lns => lns.filter(ln => getComputedStyle(ln, '::before').content.replace(/\"/g, '') === ln.dataset.line"
            " && ln.getBoundingClientRect().width > 0).length"
        )
        assert shown == page.locator(".paragraph__body .ln").count()
        if screenshot_dir is not None:
            page.screenshot(path=str(screenshot_dir / f"phones-draft-{slug}-{locale}-{viewport['width']}.png"))


# -- Nothing scrolls sideways at 320 px; tap targets ----------------------------------------------------------------


def pages_for(role: str, ids: dict[str, int]) -> list[str]:
    """The main flow's pages each role reaches (the pages engineer's matrix has them all; these are the ones
    that were too wide: queue, audit log, organisations, versions, account, draft list, person)."""
    draft = f"/drafts/{DRAFT_SLUG}"
    reader = [
        "/",
        draft,
        f"{draft}/paragraphs/{ids['paragraph']}/thread",
        f"{draft}/versions",
        f"{draft}/amendments/{ids['amendment']}",
        f"/drafts/{VOTING_SLUG}",
        f"/drafts/{VOTING_SLUG}/results",
    ]
    if role == "anonymous":
        return ["/login", "/", draft, f"{draft}/versions"]
    if role == "delegate":
        return [*reader, f"{draft}/paragraphs/{ids['paragraph']}/amendments/new", "/account"]
    if role == "moderator":
        return ["/moderation", "/audit", f"{draft}/amendments/{ids['amendment']}", "/account"]
    if role == "board":
        return ["/moderation", f"{draft}/settings", f"{draft}/versions", "/drafts/new"]
    return [
        "/admin/organisations",
        "/admin/people",
        f"/admin/people/{ids['person']}",
        "/admin/outbox",
        f"/admin/organisations/{ids['organisation']}",
        "/audit",
        "/account",
    ]


# How far the page scrolls sideways, and (to say why) the outermost elements that reach past the screen.
OVERFLOW_JS = """() => {
  const limit = document.documentElement.clientWidth;
  const beyond = el => {
    const r = el.getBoundingClientRect();
    return r.width > 1 && (r.right > limit + 0.5 || r.left < -0.5);
  };
  const wide = [...document.body.querySelectorAll('*')]
    .filter(el => beyond(el) && !(el.parentElement && beyond(el.parentElement)) && !el.matches('.skip-link'))
    .map(el => `${el.tagName.toLowerCase()}.${String(el.className).trim().replace(/\\s+/g, '.')}`);
  return {overflow: document.documentElement.scrollWidth - limit, wide: wide.slice(0, 5)};
}"""

# Controls smaller than 24 × 24 px: allowed only with a 24 px circle of room that touches no other control, or
# as a link inside a sentence (WCAG 2.5.8's spacing and inline exceptions).
TARGETS_JS = """() => {
  const all = [...document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary')]
    .filter(el => { const r = el.getBoundingClientRect(); const s = getComputedStyle(el);
                    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden'
                           && !el.closest('.skip-link, .visually-hidden'); });
  const inSentence = el => {
    if (el.tagName !== 'A' || getComputedStyle(el).display !== 'inline') return false;
    const block = el.parentElement.closest('p, li, td, th, dd, blockquote, div');
    return block && block.textContent.trim().length > el.textContent.trim().length + 10;
  };
  const centre = r => [r.left + r.width / 2, r.top + r.height / 2];
  const small = all.filter(el => { const r = el.getBoundingClientRect(); return r.width < 23.5 || r.height < 23.5; });
  const crowded = small.filter(el => !inSentence(el)).filter(el => {
    const [x, y] = centre(el.getBoundingClientRect());
    return all.some(other => {
      if (other === el || other.contains(el) || el.contains(other)) return false;
      const r = other.getBoundingClientRect();
      if (small.includes(other)) { const [ox, oy] = centre(r); return Math.hypot(ox - x, oy - y) < 24; }
      const dx = Math.max(r.left - x, 0, x - r.right), dy = Math.max(r.top - y, 0, y - r.bottom);
      return Math.hypot(dx, dy) < 12;
    });
  });
  return crowded.map(el => { const r = el.getBoundingClientRect();
    const label = (el.textContent || el.name || '').trim().slice(0, 30);
    return `${el.tagName.toLowerCase()} "${label}" ${Math.round(r.width)}×${Math.round(r.height)}`; });
}"""


@pytest.mark.parametrize("locale", LOCALES)
def test_no_page_scrolls_sideways_at_320_px_and_every_control_is_a_tap_target(
    live_server, phone_context, locale, screenshot_dir
):
    try:
        ids = fill_queue()
    finally:
        db.session.remove()
    problems = []
    for role in ("anonymous", "delegate", "moderator", "board", "admin"):
        context = phone_context(locale, SMALL_PHONE)
        page = context.new_page()
        if role != "anonymous":
            sign_in(page, live_server, STAFF.get(role, DELEGATE))
        for path in pages_for(role, ids):
            response = page.goto(f"{live_server}{path}")
            assert response.status == 200, (role, path, response.status)
            width = page.evaluate(OVERFLOW_JS)
            if width["overflow"] > 0:
                problems.append(f"{role} {path}: {width['overflow']} px sideways, too wide: {width['wide']}")
            for menu_open in (False, True):
                if menu_open:
                    page.locator(".site-menu__toggle").click()
                crowded = page.evaluate(TARGETS_JS)
                if crowded:
                    problems.append(f"{role} {path}{' (menu open)' if menu_open else ''}: small targets {crowded}")
            if screenshot_dir is not None and path in ("/moderation", "/admin/organisations", "/audit", "/account"):
                page.reload()
                name = path.strip("/").replace("/", "-")
                page.screenshot(path=str(screenshot_dir / f"phones-{name}-{locale}-320.png"), full_page=True)
    assert not problems, "\n".join(problems)
