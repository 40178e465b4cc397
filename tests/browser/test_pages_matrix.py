"""Every page of the main flow, for every role, in German and in Arabic (issue 17, "Done when"):

- axe-core finds no WCAG 2.1 A/AA violation (runOnly wcag2a, wcag2aa, wcag21a, wcag21aa), at 1280 px;
- at 320 px nothing scrolls sideways (scrollWidth ≤ clientWidth) and every tap target is at least 24×24 px
  or spaced as WCAG 2.5.8 allows (axe-core's `target-size` rule, which knows the exceptions: inline links
  in a sentence, targets with room around them);
- the Arabic pages are mirrored: `<html dir="rtl">`, the § column right of the text, user text isolated.

The pages and the steps to open them come from tests/browser/main_flow.py. One server with the demo and
`seed_main_flow()` serves the whole module, and one browser context per role, language and width is signed in
once and reused, so the matrix stays fast. The pages are only read (the thread opens in place, the sign-in
fails), so the order of the tests does not matter. The server runs on SQLite only: what is checked here is
markup and layout, which do not depend on the database (the database logic of every page is tested on both).

Screenshots of the draft page, an open thread, a vote box and the results in Arabic at 390 and 1280 px go to
CONSULT_SCREENSHOTS as pages-*.png.
"""

from __future__ import annotations

import json
import shutil
import tempfile

import pytest
from playwright.sync_api import Browser, Page, expect

from consult import create_app
from consult.demo.services import seed_demo
from consult.extensions import db
from tests.browser import main_flow
from tests.browser.conftest import AXE_JS, served, sign_in
from tests.conftest import BACKENDS, TEST_CONFIG

pytestmark = pytest.mark.browser

LANGUAGES = {"de": "de-DE", "ar": "ar"}
DESKTOP = {"width": 1280, "height": 900}
PHONE_320 = {"width": 320, "height": 640}
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

CASES = [
    pytest.param(role, screen, lang, id=f"{role.name}-{screen.name}-{lang}")
    for role, screen in main_flow.cases()
    for lang in LANGUAGES
]


@pytest.fixture(scope="module", params=BACKENDS)
def flow(request):
    """The app with the demo and the main flow's extra content, served for the module on each database:
    (base URL, Facts)."""
    folder = tempfile.mkdtemp(prefix="consult-matrix-")
    url = (
        f"sqlite:///{folder}/matrix.sqlite3"
        if request.param == "sqlite"
        else request.getfixturevalue("pg_cluster").create_database("consult_matrix")
    )
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        db.create_all()
        seed_demo()
        facts = main_flow.seed_main_flow()
        db.session.commit()
        db.session.remove()
        with served(app) as base:
            yield base, facts
        db.engine.dispose()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def tabs(flow, browser: Browser):
    """`tabs(role, lang, viewport)`: a page of a context signed in as `role` (once), reading `lang`."""
    base, _facts = flow
    opened: dict[tuple, Page] = {}
    contexts = []

    def tab(role: main_flow.Role, lang: str, viewport: dict) -> Page:
        key = (role.name, lang, viewport["width"])
        if key not in opened:
            phone = viewport["width"] < 600
            context = browser.new_context(
                locale=LANGUAGES[lang],
                viewport=viewport,
                is_mobile=phone,
                has_touch=phone,
                device_scale_factor=2 if phone else 1,
            )
            contexts.append(context)
            page = context.new_page()
            if role.email:
                sign_in(page, base, role.email)
            opened[key] = page
        return opened[key]

    yield tab
    for context in contexts:
        context.close()


def open_screen(page: Page, base: str, facts: main_flow.Facts, screen: main_flow.Screen, lang: str) -> None:
    """Load the page (it must answer 2xx), wait until it is shown, do its step; check its language."""
    response = page.goto(base + screen.path(facts))
    assert response is not None and response.ok, f"{screen.name}: {page.url} answered {response and response.status}"
    expect(page.locator(screen.ready).first).to_be_visible()
    if screen.step is not None:
        screen.step(page)
    html = page.locator("html")
    expect(html).to_have_attribute("lang", lang)
    expect(html).to_have_attribute("dir", "rtl" if lang == "ar" else "ltr")


def run_axe(page: Page, options: dict) -> list[dict]:
    """axe-core's violations on the page. Evaluated, not added as a <script>: the Content-Security-Policy
    forbids inline scripts."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_JS.read_text(encoding="utf-8"))
    return page.evaluate("options => axe.run(document, options)", options)["violations"]


def describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"  [{v['impact']}] {v['id']}: {v['help']}")
        for node in v["nodes"][:6]:
            lines.append(f"      {json.dumps(node['target'])}: {node['html'][:160]}")
            if node.get("failureSummary"):
                lines.append("        " + node["failureSummary"].replace("\n", " / ")[:300])
        if len(v["nodes"]) > 6:
            lines.append(f"      … and {len(v['nodes']) - 6} more")
    return "\n".join(lines)


@pytest.mark.parametrize("role, screen, lang", CASES)
def test_page_has_no_wcag21_violations(flow, tabs, role, screen, lang):
    base, facts = flow
    page = tabs(role, lang, DESKTOP)
    open_screen(page, base, facts, screen, lang)
    violations = run_axe(page, {"runOnly": {"type": "tag", "values": WCAG_21_AA}})
    assert not violations, (
        f"axe-core (WCAG 2.1 A/AA) on {screen.name} as {role.name} in {lang} ({page.url}):\n{describe(violations)}"
    )


# What sticks out of the screen: the outermost elements past its edge (right, or left in Arabic) whose parent is
# inside, and the texts past it (a long word in a flex item) — the culprits of a sideways scroll.
TOO_WIDE = """() => {
    const width = document.documentElement.clientWidth;
    const past = r => r.right > width + 0.5 || r.left < -0.5;
    const outside = el => past(el.getBoundingClientRect());
    const hidden = el => el.closest('.visually-hidden, .skip-link');
    const name = el => `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}`
        + (typeof el.className === 'string' && el.className.trim()
           ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
    const boxes = [...document.querySelectorAll('body, body *')]
        .filter(el => !hidden(el) && el.getClientRects().length && outside(el))
        .filter(el => el.tagName === 'BODY' || !outside(el.parentElement))
        .map(el => {
            const r = el.getBoundingClientRect();
            return `${name(el)} (${Math.round(r.left)}…${Math.round(r.right)} px)`;
        });
    const texts = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        if (!node.textContent.trim() || hidden(node.parentElement)) continue;
        const range = document.createRange();
        range.selectNodeContents(node);
        if ([...range.getClientRects()].some(past)) {
            texts.push(`text "${node.textContent.trim().slice(0, 40)}" in ${name(node.parentElement)}`);
        }
    }
    return [...boxes.slice(0, 6), ...texts.slice(0, 4)];
}"""


@pytest.mark.parametrize("role, screen, lang", CASES)
def test_page_fits_a_320px_phone(flow, tabs, role, screen, lang):
    """No sideways scrolling at 320 px, and tap targets of at least 24×24 px (WCAG 2.5.8)."""
    base, facts = flow
    page = tabs(role, lang, PHONE_320)
    open_screen(page, base, facts, screen, lang)
    problems = []
    overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    if overflow > 0:
        problems.append(f"scrolls sideways by {overflow} px; too wide: {page.evaluate(TOO_WIDE)}")
    small = run_axe(page, {"runOnly": {"type": "rule", "values": ["target-size"]}})
    if small:
        problems.append(f"tap targets under 24×24 px:\n{describe(small)}")
    assert not problems, f"{screen.name} as {role.name} in {lang} at 320 px ({page.url}):\n" + "\n".join(problems)


# -- Arabic: the layout mirrors, the German text keeps its direction; screenshots ------------------------------

SHOT_WIDTHS = {"390": {"width": 390, "height": 844}, "1280": DESKTOP}

# Where things sit, in CSS pixels from the left edge of the screen (the centre of what is measured).
MIRROR_FACTS = """() => {
    const centre = r => (r.left + r.right) / 2;
    const textBox = el => {
        const range = document.createRange();
        range.selectNodeContents(el);
        return range.getBoundingClientRect();
    };
    // The first letter after a node (on a phone the line flows on over several rows: its whole box starts at the
    // row's start whatever comes before the line's first word).
    const firstLetter = node => {
        while (node.nodeType !== Node.TEXT_NODE || !/\\S/.test(node.textContent)) {
            node = node.firstChild || node.nextSibling;
        }
        const at = node.textContent.search(/\\S/), range = document.createRange();
        range.setStart(node, at); range.setEnd(node, at + 1);
        return range.getBoundingClientRect();
    };
    const li = [...document.querySelectorAll('li.paragraph')].find(li => li.querySelector('.paragraph__body p'));
    const body = li.querySelector('.paragraph__body');
    return {
        number: centre(textBox(li.querySelector('.paragraph__number'))),
        body: centre(body.getBoundingClientRect()),
        bodyDirection: getComputedStyle(body).direction,
        bodyLang: body.closest('[lang]').getAttribute('lang'),
        lineNumber: centre(body.querySelector('.ln').getBoundingClientRect()),
        firstWord: firstLetter(body.querySelector('.ln').nextSibling).left,
    };
}"""


def _shot(page: Page, screenshot_dir, name: str, width: str, element=None) -> None:
    if screenshot_dir is None:
        return
    if element is not None:
        element.scroll_into_view_if_needed()
        page.evaluate("() => window.scrollBy(0, -80)")  # a little of what comes before it
    page.screenshot(path=str(screenshot_dir / f"pages-{name}-ar-{width}.png"))


@pytest.mark.parametrize("width", SHOT_WIDTHS)
def test_arabic_pages_mirror_and_keep_the_german_text_left_to_right(flow, tabs, width, screenshot_dir):
    """In Arabic the § column sits right of the text (at 390 px: the § number at the right above it), the replies
    indent from the right, the vote buttons and the results' columns run right to left; the German paragraph
    reads left to right (`dir="auto"`, `lang="de"`) with its line numbers at its line starts."""
    base, facts = flow
    delegate = next(role for role in main_flow.ROLES if role.name == "delegate")
    page = tabs(delegate, "ar", SHOT_WIDTHS[width])

    open_screen(page, base, facts, main_flow.DRAFT_COMMENTING, "ar")
    where = page.evaluate(MIRROR_FACTS)
    assert where["number"] > where["body"], f"the § number is not right of the text: {where}"
    assert (where["bodyDirection"], where["bodyLang"]) == ("ltr", "de"), where
    assert where["lineNumber"] < where["firstWord"], f"the line number is not at the German line's start: {where}"
    _shot(page, screenshot_dir, "draft", width)

    open_screen(page, base, facts, main_flow.THREAD, "ar")
    thread = page.locator(f"#p{main_flow.THREAD_POSITION} .thread--open")
    comment, reply = (
        thread.locator(".comment").first.bounding_box(),
        thread.locator(".replies .comment").first.bounding_box(),
    )
    assert reply["x"] + reply["width"] < comment["x"] + comment["width"] - 10, (
        "the reply does not indent from the right"
    )
    assert (
        page.locator(f"#p{main_flow.THREAD_POSITION} .comment__body").first.evaluate(
            "el => getComputedStyle(el).direction"
        )
        == "ltr"
    ), "a German comment must read left to right"
    _shot(page, screenshot_dir, "thread", width, thread)

    open_screen(page, base, facts, main_flow.DRAFT_VOTING, "ar")
    box = page.locator(".vote-box").first
    buttons = box.locator("button")
    first, last = buttons.first.bounding_box(), buttons.last.bounding_box()
    assert first["x"] > last["x"], "the vote buttons do not run right to left"
    _shot(page, screenshot_dir, "vote-box", width, box)

    open_screen(page, base, facts, main_flow.RESULTS, "ar")
    headers = page.locator("main table thead th")
    assert headers.first.bounding_box()["x"] > headers.last.bounding_box()["x"], (
        "the results' columns do not run right to left"
    )
    _shot(page, screenshot_dir, "results", width)


def test_the_arabic_projector_keeps_the_title_clear_of_its_button(flow, tabs, screenshot_dir):
    """The projector's "Full screen" button sits at the line's end (the left in Arabic); the German title, isolated
    in the page's direction, starts at the right and is not covered by it."""
    base, facts = flow
    board = next(role for role in main_flow.ROLES if role.name == "board")
    page = tabs(board, "ar", {"width": 1920, "height": 1080})
    open_screen(page, base, facts, main_flow.PROJECTOR, "ar")
    button = page.locator("[data-fullscreen]")
    expect(button).to_be_visible()
    title = page.locator(".projector__draft bdi").bounding_box()
    box = button.bounding_box()
    assert title["x"] >= box["x"] + box["width"] or title["y"] >= box["y"] + box["height"], (title, box)
    assert title["x"] + title["width"] > 1920 / 2, "the title does not start at the right"
    if screenshot_dir is not None:
        page.screenshot(path=str(screenshot_dir / "pages-projector-ar-1920.png"))
