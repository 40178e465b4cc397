"""The reading pages in a real browser: sign in, the draft list, a draft with numbered
paragraphs and line numbers, the language switch, accessibility (axe-core) and screenshots.

Runs once per database backend (through `live_server` -> `app`). The UI is German by default.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from consult.demo.services import DEMO_PASSWORD, sign_ins
from consult.drafts.models import Draft
from consult.drafts.services import current_version, paragraph_texts
from consult.extensions import db
from tests.browser.conftest import AXE_JS

pytestmark = pytest.mark.browser

DRAFT_SLUG = "participation-law"
DRAFT_TITLE = "Für ein Bundespartizipationsgesetz"
DESKTOP = {"width": 1280, "height": 800}


def delegate_email() -> str:
    """The first demo delegate from the printed sign-ins."""
    return next(email for role, _name, email in sign_ins() if role.startswith("delegate"))


@dataclass(frozen=True)
class ParagraphFacts:
    position: int
    first_line: int
    line_count: int


def paragraph_facts(slug: str) -> list[ParagraphFacts]:
    """The paragraphs of the draft's current version, read from the database (then the session is closed)."""
    try:
        draft = db.session.scalar(select(Draft).where(Draft.slug == slug))
        version = current_version(draft)
        return [ParagraphFacts(t.position, t.first_line, t.line_count) for t in paragraph_texts(version)]
    finally:
        db.session.remove()


def sign_in(page: Page, base_url: str, email: str, password: str) -> None:
    page.goto(f"{base_url}/login")
    page.get_by_label("E-Mail", exact=True).fill(email)
    page.get_by_label("Passwort", exact=True).fill(password)
    page.get_by_role("button", name="Anmelden", exact=True).click()


def sign_in_as_delegate(page: Page, base_url: str) -> None:
    sign_in(page, base_url, delegate_email(), DEMO_PASSWORD)
    # On a phone the sign-out button is folded into the header's menu: there, but not shown.
    expect(page.get_by_role("button", name="Abmelden", include_hidden=True)).to_be_attached()


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\xa0", " ")).strip()


def test_delegate_signs_in_and_reads_a_draft(live_server, page: Page):
    facts = paragraph_facts(DRAFT_SLUG)
    assert facts, "the demo draft has no paragraphs in the database"

    sign_in(page, live_server, delegate_email(), DEMO_PASSWORD)

    # The draft list, signed in.
    expect(page).to_have_url(f"{live_server}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Positionsentwürfe")
    expect(page.get_by_role("button", name="Abmelden")).to_be_visible()

    page.get_by_role("link", name=DRAFT_TITLE).click()
    expect(page).to_have_url(f"{live_server}/drafts/{DRAFT_SLUG}")
    expect(page.get_by_role("heading", level=1).first).to_have_text(DRAFT_TITLE)

    # One numbered paragraph per paragraph of the current version, "§ 1" ... "§ n".
    paragraphs = page.locator("li.paragraph")
    expect(paragraphs).to_have_count(len(facts))
    numbers = [
        normalise(t) for t in page.locator("li.paragraph .paragraph__number > [aria-hidden=true]").all_inner_texts()
    ]
    assert numbers == [f"§ {f.position}" for f in facts]
    expect(page.locator("#p1 .paragraph__number")).to_be_visible()
    expect(page.locator("#p1 .paragraph__number > [aria-hidden=true]")).to_have_text("§ 1")
    last = facts[-1].position
    page.locator(f"#p{last}").scroll_into_view_if_needed()
    expect(page.locator(f"#p{last} .paragraph__number")).to_be_visible()
    expect(page.locator(f"#p{last} .paragraph__number > [aria-hidden=true]")).to_have_text(f"§ {last}")

    # Line numbers: one .ln marker per stored line, each showing its number, and every
    # paragraph's numbers start at its first line.
    for fact in facts:
        item = page.locator(f"#p{fact.position}")
        expect(item.locator(".ln")).to_have_count(fact.line_count)
        shown = item.locator(".ln").evaluate_all("lns => lns.map(ln => getComputedStyle(ln, '::before').content)")
        assert shown == [f'"{n}"' for n in range(fact.first_line, fact.first_line + fact.line_count)], (fact, shown)

    # The first line number sits to the left of the first line of text, on the same line.
    geometry = page.locator("#p1 .ln").first.evaluate(
        """ln => {
            const range = document.createRange();
            range.selectNodeContents(ln.nextSibling);
            const text = range.getClientRects()[0];
            const box = ln.getBoundingClientRect();
            return {lnLeft: box.left, lnRight: box.right, lnTop: box.top, lnBottom: box.bottom,
                    textLeft: text.left, textTop: text.top, textBottom: text.bottom};
        }"""
    )
    assert geometry["lnRight"] <= geometry["textLeft"], geometry
    assert geometry["lnBottom"] > geometry["textTop"] and geometry["lnTop"] < geometry["textBottom"], geometry


def test_wrong_password_shows_error_and_keeps_email(live_server, page: Page):
    email = delegate_email()
    sign_in(page, live_server, email, "not-the-password")

    alert = page.get_by_role("alert")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("E-Mail oder Passwort ist nicht richtig")
    field = page.get_by_label("E-Mail", exact=True)
    expect(field).to_have_value(email)
    expect(field).to_have_attribute("aria-describedby", "login-error")
    expect(page.get_by_label("Passwort", exact=True)).to_have_value("")
    expect(page).to_have_url(re.compile(r"/login"))
    expect(page.get_by_role("button", name="Abmelden")).to_have_count(0)


def test_language_switch_to_english(live_server, page: Page):
    page.goto(f"{live_server}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Positionsentwürfe")
    expect(page.locator("html")).to_have_attribute("lang", "de")

    page.get_by_label("Sprache").select_option(label="English")
    page.get_by_role("button", name="Wechseln").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Draft positions")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_label("Language")).to_have_value("en")


# -- Accessibility -----------------------------------------------------------------------------


def axe_violations(page: Page) -> list[dict]:
    # Evaluated, not added as a <script>: the page's Content-Security-Policy forbids inline scripts.
    page.evaluate(AXE_JS.read_text(encoding="utf-8"))
    result = page.evaluate("() => axe.run(document, {runOnly: ['wcag2a', 'wcag2aa']})")
    return result["violations"]


def format_violations(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"]:
            lines.append(f"    target: {json.dumps(node['target'])}")
            lines.append(f"      html: {node['html'][:200]}")
            summary = node.get("failureSummary")
            if summary:
                lines.append("      " + summary.replace("\n", "\n      "))
    return "\n".join(lines)


def assert_accessible(page: Page, what: str) -> None:
    violations = axe_violations(page)
    assert not violations, f"axe-core (WCAG 2 A/AA) found violations on {what}:\n{format_violations(violations)}"


@pytest.mark.parametrize("screen", ["sign-in", "sign-in-error", "draft-list", "draft", "draft-thread", "draft-voting"])
def test_pages_have_no_axe_violations(live_server, page: Page, screen):
    assert AXE_JS.exists(), f"{AXE_JS} is missing: run `npm ci`"
    if screen == "sign-in":
        page.goto(f"{live_server}/login")
    elif screen == "sign-in-error":
        sign_in(page, live_server, delegate_email(), "not-the-password")
        expect(page.get_by_role("alert")).to_be_visible()
    else:
        sign_in_as_delegate(page, live_server)
        if screen == "draft":
            page.goto(f"{live_server}/drafts/{DRAFT_SLUG}")
            expect(page.locator("li.paragraph").first).to_be_visible()
        elif screen == "draft-thread":  # a thread opened in place, with comments, replies and the form
            page.goto(f"{live_server}/drafts/{DRAFT_SLUG}")
            page.locator(".comment-count", has_text="3").first.click()
            expect(page.locator(".thread--open .comment").first).to_be_visible()
            expect(page.locator(".thread--open .comment-form")).to_be_visible()
        elif screen == "draft-voting":  # vote buttons and tallies on every paragraph
            page.goto(f"{live_server}/drafts/diversity-council")
            expect(page.locator(".vote-box button").first).to_be_visible()
    assert_accessible(page, f"{screen} ({page.url})")


# -- Screenshots and layout at three widths ----------------------------------------------------

WIDTHS = {"phone": {"width": 390, "height": 844}, "laptop": {"width": 1024, "height": 768}, "desktop": DESKTOP}
SCREENS = [
    pytest.param(screen, width, id=f"{screen}-{width}")
    for screen in ("sign-in-error", "draft-list", "draft")
    for width in WIDTHS
]


def open_screen(page: Page, base_url: str, screen: str) -> None:
    if screen == "sign-in-error":
        sign_in(page, base_url, delegate_email(), "not-the-password")
        expect(page.get_by_role("alert")).to_be_visible()
        return
    sign_in_as_delegate(page, base_url)
    page.goto(f"{base_url}{'/' if screen == 'draft-list' else f'/drafts/{DRAFT_SLUG}'}")
    expect(page.get_by_role("heading", level=1).first).to_be_visible()


@pytest.mark.parametrize("screen, width", SCREENS)
def test_screen_does_not_scroll_sideways(live_server, new_context, screen, width, screenshot_dir, backend):
    """Screenshots (full page) when CONSULT_SCREENSHOTS is set; then: nothing wider than the screen."""
    phone = width == "phone"
    context = new_context(
        viewport=WIDTHS[width], device_scale_factor=2 if phone else 1, is_mobile=phone, has_touch=phone
    )
    page = context.new_page()
    open_screen(page, live_server, screen)
    if screenshot_dir is not None:
        page.screenshot(path=str(screenshot_dir / f"{screen}-{width}-{backend}.png"), full_page=True)
    too_wide = page.evaluate(
        """() => {
            const limit = document.documentElement.clientWidth;
            return [...document.body.querySelectorAll('*')]
                .filter(el => el.getBoundingClientRect().right > limit + 0.5)
                .filter(el => !el.parentElement || el.parentElement.getBoundingClientRect().right <= limit + 0.5)
                .map(el => `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}`
                           + (el.className ? '.' + String(el.className).trim().replace(/\\s+/g, '.') : '')
                           + ` (right edge at ${Math.round(el.getBoundingClientRect().right)}px)`);
        }"""
    )
    overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0 and not too_wide, (
        f"{screen} at {WIDTHS[width]['width']}px scrolls sideways by {overflow}px; too wide: {too_wide}"
    )


COLUMN_CASES = [
    pytest.param(slug, width, id=f"{slug}-{width}")
    for slug in ("participation-law", "diversity-council")
    for width in (1024, 1120, 1280)
]


@pytest.mark.parametrize("slug, width", COLUMN_CASES)
def test_numbered_lines_stay_in_the_text_column(live_server, page: Page, slug, width):
    """On a wide screen every numbered line is one row, inside its column (not under the comment margin)."""
    page.set_viewport_size({"width": width, "height": 800})
    sign_in_as_delegate(page, live_server)
    page.goto(f"{live_server}/drafts/{slug}")
    expect(page.locator("li.paragraph").first).to_be_visible()
    problems = page.evaluate(
        """() => {
            const out = [];
            for (const li of document.querySelectorAll('li.paragraph')) {
                const body = li.querySelector('.paragraph__body');
                const limit = body.getBoundingClientRect().right;
                const range = document.createRange();
                range.selectNodeContents(body);
                const right = Math.max(...[...range.getClientRects()].map(r => r.right));
                if (right > limit + 0.5) out.push(`#${li.id}: ${Math.round(right - limit)}px beyond the text column`);
                const lines = [...body.querySelectorAll('.ln')].map(ln => ln.getBoundingClientRect().top);
                const height = parseFloat(getComputedStyle(body).lineHeight);
                lines.slice(1).forEach((top, i) => {
                    if (top - lines[i] > 1.6 * height && !body.querySelector('table'))
                        out.push(`#${li.id}: line ${i + 1} takes more than one row`);
                });
            }
            return out;
        }"""
    )
    assert not problems, "\n".join(problems)
