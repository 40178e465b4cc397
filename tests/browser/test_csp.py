"""The main flow under the Content-Security-Policy, in a real browser (issue 13, point 7).

A delegate signs in, opens a draft and a paragraph's thread (htmx), comments (htmx), proposes an
amendment, votes (htmx) and opens their account; the moderator decides the amendment in the queue
(htmx); the board reads the results, adopts the voting draft and opens the position's HTML file
from the disk (it carries its own policy); the adopted position opens signed out; the board's pages
(versions, comparison, new draft, settings, phase, two-factor set-up with its QR code), an administrator's
pages, the audit log and an error page are opened too.

After every step the test reads the `securitypolicyviolation` events the page recorded (a listener
added before any script of the page runs) and the console errors about a policy, and fails on
any: a script, a style attribute, an inline handler or an `eval` that the policy blocks would
break the page silently for its users. Every page and htmx answer must carry the policy (so on
code without the header the test fails too). Line numbers (no longer set by a `style=""`
counter) must count 1, 2, 3 … through the draft, and the result bars (no longer sized by a
`style=""` width) must fill their frame.

Runs once per database backend (through `live_server` -> `app`).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from consult.demo.content import DELEGATES, STAFF
from consult.demo.services import demo_email
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser

COMMENTING = "participation-law"
VOTING = "diversity-council"
DELEGATE = demo_email(DELEGATES["IEB"][0], "IEB")
MODERATOR = demo_email(STAFF["moderator"])
BOARD = demo_email(STAFF["board"])
ADMIN = demo_email(STAFF["admin"])

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.effectiveDirective} blocked ${e.blockedURI || "inline"}`
    + ` at ${e.sourceFile}:${e.lineNumber} ${e.sample}`);
});
"""
POLICY_WORDS = re.compile(r"Content.Security.Policy|Permissions.Policy|Refused to|unsafe-eval|unsafe-inline", re.I)


class PolicyWatch:
    """What the browser reported against the policies, step by step."""

    def __init__(self, page: Page):
        self.page = page
        self.console: list[str] = []
        self.unprotected: list[str] = []
        self.steps = 0
        page.add_init_script(RECORD_VIOLATIONS)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.console.append(f"page error: {error}"))
        page.on("response", self._response)

    def _console(self, message) -> None:
        if (
            message.type == "error"
            and POLICY_WORDS.search(message.text)
            or message.type == "warning"
            and "Permissions-Policy" in message.text
        ):
            self.console.append(f"{message.type}: {message.text}")

    def _response(self, response) -> None:
        if response.request.resource_type in ("document", "xhr", "fetch") and response.url.startswith("http://"):
            if "content-security-policy" not in response.headers:
                self.unprotected.append(f"{response.request.method} {response.url} ({response.status})")

    def check(self, step: str) -> None:
        self.steps += 1
        violations = self.page.evaluate("() => window.__cspViolations || []")
        problems = [*violations, *self.console, *(f"no policy: {u}" for u in self.unprotected)]
        assert not problems, f"{step}:\n" + "\n".join(problems)


@pytest.fixture
def watched(page: Page) -> PolicyWatch:
    page.set_viewport_size({"width": 1280, "height": 900})
    return PolicyWatch(page)


def test_the_main_flow_raises_no_policy_violation(
    live_server, page: Page, watched: PolicyWatch, screenshot_dir, tmp_path
):
    base = live_server

    def shot(name: str) -> None:
        if screenshot_dir is not None:
            page.screenshot(path=str(screenshot_dir / f"csp-{name}.png"), full_page=True)

    def step(name: str) -> None:
        watched.check(name)
        shot(name)

    page.goto(f"{base}/no/such/page")
    expect(page.locator("main h1")).to_be_visible()
    step("error-page")

    # The delegate signs in and opens the draft: the line numbers count on through the draft.
    sign_in(page, base, DELEGATE)
    step("signed-in")
    page.goto(f"{base}/drafts/{COMMENTING}")
    expect(page.locator("li.paragraph").first).to_be_visible()
    numbers = page.evaluate("""() => [...document.querySelectorAll('.paragraph__body .ln')]
        .map(ln => getComputedStyle(ln, '::before').content)""")
    assert len(numbers) > 20 and numbers == [f'"{n}"' for n in range(1, len(numbers) + 1)], numbers[:30]
    step("draft")

    # A thread opens in place (htmx) and takes a comment (htmx).
    body = page.locator("li.paragraph .paragraph__body[data-paragraph]").nth(2)
    pid = body.get_attribute("data-paragraph")
    page.locator(f"#count-{pid}").click()
    expect(page.locator(f"#thread-{pid}.thread--open")).to_be_visible()
    watched.check("thread")
    page.locator(f"#body-{pid}").fill("Ein Kommentar unter der Sicherheitsrichtlinie.")
    page.locator(f"#thread-{pid} form.comment-form button[type=submit]").click()
    expect(page.locator(f"#thread-{pid} .comment__body", has_text="unter der Sicherheitsrichtlinie")).to_be_visible()
    step("commented")

    # An amendment is proposed on its own page (the paragraph shown with its line numbers).
    page.locator(f"li.paragraph:has(#text-{pid}) a.propose-link").click()
    expect(page.locator("form.amendment-form")).to_be_visible()
    first = page.evaluate("() => getComputedStyle(document.querySelector('.paragraph__body .ln'), '::before').content")
    assert first == f'"{numbers_before(page, base, pid)}"', first
    text = page.locator("textarea[name=text]")
    text.fill(text.input_value() + " Das gilt auch für Vereine.")
    page.locator("textarea[name=justification]").fill("Vereine sind mitgemeint.")
    page.locator("form.amendment-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/amendments/\d+$"))
    amendment = page.url.rsplit("/", 1)[1]
    step("amendment")

    # A vote on the voting draft (htmx).
    page.goto(f"{base}/drafts/{VOTING}")
    button = page.locator(".vote-box button[name=vote][value$=':yes']").first
    key = button.get_attribute("value").split(":")[0]
    button.click()
    expect(page.locator(f"#vote-{key} button[value='{key}:yes']")).to_have_attribute("aria-pressed", "true")
    step("voted")

    page.goto(f"{base}/account")
    expect(page.locator("main h1")).to_be_visible()
    step("account")

    # The moderator accepts the amendment in the queue (htmx).
    sign_in(page, base, MODERATOR)
    page.goto(f"{base}/moderation?kind=amendment")
    page.locator(f"#item-amendment-{amendment} button[value=accept]").click()
    expect(page.locator(f"#item-amendment-{amendment}.queue-item--done")).to_be_visible()
    step("moderation")

    # The board reads the results (bars fill their frame) and adopts the voting draft.
    sign_in(page, base, BOARD)
    page.goto(f"{base}/drafts/{VOTING}/results")
    fill = page.evaluate("""() => [...document.querySelectorAll('.share__bar')].map(bar =>
        [...bar.children].reduce((sum, part) => sum + part.getBoundingClientRect().width, 0) / bar.clientWidth)""")
    assert fill and all(0.97 < share < 1.03 for share in fill), fill
    step("results")
    page.goto(f"{base}/drafts/{VOTING}/settings")
    page.locator("a[href$='/phase?to=adopted']").click()
    page.locator("main form[action$='/phase'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"/positions/{VOTING}$"))  # the position page, where its documents appear
    step("adopted")

    # The HTML file of the position, opened from the disk: its own policy admits its stylesheet (by hash).
    page.goto(f"{base}/drafts/{VOTING}/settings")
    with page.expect_download() as download:
        page.locator("a[href$='/export/html']").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.suffix == ".html"
    page.goto(saved.as_uri())
    assert page.evaluate("() => getComputedStyle(document.querySelector('.title-page')).textAlign") == "center"
    assert page.evaluate("() => getComputedStyle(document.querySelector('.ln')).display") == "none"
    step("html-file")
    for path in (
        f"/drafts/{COMMENTING}/versions",
        f"/drafts/{COMMENTING}/versions/1",
        f"/drafts/{COMMENTING}/compare",
        "/drafts/new",
        f"/drafts/{COMMENTING}/settings",
        f"/drafts/{COMMENTING}/phase?to=editing",
        "/account/two-factor",
    ):
        page.goto(f"{base}{path}")
        step(re.sub(r"\W+", "-", path.strip("/")))

    sign_in(page, base, ADMIN)
    for path in ("/admin/organisations", "/admin/people", "/admin/outbox", "/audit", "/invitations"):
        page.goto(f"{base}{path}")
        step(path.strip("/").replace("/", "-"))

    page.context.clear_cookies()
    page.goto(f"{base}/positions/{VOTING}")
    expect(page.locator("main")).to_contain_text("Beschlossene Position")
    step("position")
    assert watched.steps >= 21


def numbers_before(page: Page, base: str, pid: str) -> int:
    """The first line number of paragraph `pid` on the draft page (read in a second tab)."""
    other = page.context.new_page()
    try:
        other.goto(f"{base}/drafts/{COMMENTING}")
        return int(
            other.evaluate(
                f"() => getComputedStyle(document.querySelector('#text-{pid} .ln'), '::before')"
                ".content.replace(/\"/g, '')"
            )
        )
    finally:
        other.close()
