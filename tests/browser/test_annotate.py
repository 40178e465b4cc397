"""Annotating and voting in a real browser (issue 3, first "Done when" point), for demo delegates.

With JavaScript: select words in a paragraph -> "Comment" offer -> thread opens with the
passage quoted -> comment -> the comment, its highlight and the new count appear without a
page load; reply; choose a sentence by keyboard. Vote yes as one delegate, change to abstain
as the second delegate of the same organisation: the tally counts the organisation once.
Without JavaScript: the same flows as plain forms (POST + redirect). And a held comment
(moderation policy "hold"): its author sees it waiting, nobody else sees it, the count stays.

Runs once per database backend (through `live_server` -> `app`). Elements of the new
features are found by id, CSS and attribute values, not by their (still changing) labels.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import BrowserContext, Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from sqlalchemy import select

from consult.comments.models import Comment, CommentStatus, Stance
from consult.demo.content import DELEGATES
from consult.demo.services import DEMO_PASSWORD, demo_email
from consult.drafts.models import Draft, ModerationPolicy
from consult.extensions import db
from consult.organisations.models import Organisation
from consult.votes.models import Choice, Vote, VoteCast
from tests.browser.conftest import wait_until

pytestmark = pytest.mark.browser

COMMENTING = "participation-law"  # public, in its commenting phase
VOTING = "diversity-council"  # in its voting phase

# A prose paragraph of participation-law without demo comments, and words of it on one line.
PROSE_WORDS = "Orientierungskurse"
PASSAGE = "Sprachkurse, Orientierungskurse, Beratung"
# A paragraph with a demo comment and a reply (so a count of 2), and a passage nobody quoted.
COMMENTED_WORDS = "Diskriminierungserfahrungen unabhängig"
HELD_PASSAGE = "als stigmatisierend empfunden"
DEMO_QUOTE = "Diskriminierungserfahrungen unabhängig von der Staatsangehörigkeit erfasst werden"

# The demo seeds votes for the first two thirds of the organisations only (and no history):
# these organisations have not voted, so each cast starts from nothing.
VOTER_ORG = "GDGW"
COMMENTER_ORG = "IEB"
OTHER_ORG = "NAVE"


def delegate(short_name: str, index: int) -> str:
    return demo_email(DELEGATES[short_name][index], short_name)


# -- Pages -------------------------------------------------------------------------------------


def sign_in(page: Page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/login")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.locator("main form[action$='/login'] button[type=submit]").click()
    expect(page.locator("form[action$='/logout'] button[type=submit]")).to_be_visible()


def sign_out(page: Page) -> None:
    page.locator("form[action$='/logout'] button[type=submit]").click()
    expect(page.locator("form[action$='/logout']")).to_have_count(0)


def signed_in_page(new_context, base_url: str, email: str, javascript: bool = True) -> Page:
    context: BrowserContext = new_context(java_script_enabled=javascript)
    page = context.new_page()
    sign_in(page, base_url, email)
    return page


def open_draft(page: Page, base_url: str, slug: str) -> None:
    page.goto(f"{base_url}/drafts/{slug}")
    expect(page.locator("li.paragraph").first).to_be_visible()


def paragraph_id(page: Page, words: str) -> str:
    """The id of the paragraph whose text holds `words` (read from the page)."""
    body = page.locator("li.paragraph .paragraph__body[data-paragraph]", has_text=words)
    expect(body).to_have_count(1)
    return body.get_attribute("data-paragraph")


def write_a_comment(page: Page, base_url: str, email: str, body: str) -> str:
    """Sign in as `email`, open the prose paragraph's thread on the commenting draft and type `body`
    into its comment form (not sent); the paragraph's id."""
    sign_in(page, base_url, email)
    open_draft(page, base_url, COMMENTING)
    pid = paragraph_id(page, PROSE_WORDS)
    page.locator(f"#count-{pid}").click()
    expect(page.locator(f"#thread-{pid}.thread--open")).to_be_visible()
    page.locator(f"#body-{pid}").fill(body)
    return pid


def first_votable_prose_paragraph(page: Page) -> str:
    """The first paragraph with a vote box whose text is prose (not a heading or a list)."""
    pid = page.evaluate(
        """() => {
            for (const body of document.querySelectorAll('li.paragraph .paragraph__body[data-paragraph]')) {
                const id = body.dataset.paragraph;
                const first = body.firstElementChild;
                if (document.getElementById('vote-' + id) && first && first.tagName === 'P'
                    && body.textContent.trim().length > 200) return id;
            }
            return null;
        }"""
    )
    assert pid, "no prose paragraph with a vote box on the voting draft"
    return pid


def shown_count(link: Locator) -> int:
    """The number in a paragraph's count link ("3 Kommentare"); a link without one ("Kommentieren") means 0."""
    match = re.search(r"\d+", link.inner_text())
    return int(match.group()) if match else 0


def expect_count(link: Locator, number: int) -> None:
    expect(link).to_have_text(re.compile(rf"(^|\D){number}(\D|$)"))


def mark_not_reloaded(page: Page) -> None:
    page.evaluate("() => { window.__noReload = 1; }")


def assert_not_reloaded(page: Page) -> None:
    assert page.evaluate("() => window.__noReload") == 1, "the page was reloaded (a full page load)"


def select_words(page: Page, pid: str, words: str) -> None:
    """Select `words` inside #text-<pid> with a DOM Range, as a mouse drag would, then release the mouse."""
    found = page.evaluate(
        """([pid, words]) => {
            const body = document.getElementById('text-' + pid);
            const walker = document.createTreeWalker(body, NodeFilter.SHOW_TEXT);
            let node;
            while ((node = walker.nextNode())) {
                const at = node.data.indexOf(words);
                if (at < 0) continue;
                const range = document.createRange();
                range.setStart(node, at);
                range.setEnd(node, at + words.length);
                const selection = window.getSelection();
                selection.removeAllRanges();
                selection.addRange(range);
                document.dispatchEvent(new MouseEvent('mouseup', {bubbles: true}));
                return selection.toString();
            }
            return null;
        }""",
        [pid, words],
    )
    assert found == words, f"could not select {words!r} in paragraph {pid}"


def assert_offer_at_selection(page: Page, offer: Locator) -> None:
    """The offer sits just below the selected words, starting where they start."""
    selected = page.evaluate(
        "() => { const r = getSelection().getRangeAt(0).getBoundingClientRect();"
        " return {left: r.left, bottom: r.bottom}; }"
    )
    box = offer.evaluate("b => { const r = b.getBoundingClientRect(); return {left: r.left, top: r.top}; }")
    assert 0 <= box["top"] - selected["bottom"] <= 20 and abs(box["left"] - selected["left"]) <= 2, (box, selected)


HIGHLIGHTS_JS = """pid => {
    const parts = {};
    for (const mark of document.querySelectorAll('#text-' + pid + ' mark.quote')) {
        if (mark.parentElement.closest('mark.quote[data-comment="' + mark.dataset.comment + '"]')) continue;
        const key = mark.dataset.comment;
        parts[key] = (parts[key] || '') + mark.textContent;
    }
    return Object.values(parts).map(s => s.replace(/\\s+/g, ' ').trim()).sort();
}"""


def highlighted(page: Page, pid: str) -> list[str]:
    """The highlighted passages in a paragraph: the `mark.quote` pieces of each comment joined."""
    return page.evaluate(HIGHLIGHTS_JS, pid)


def expect_highlights(page: Page, pid: str, expected: list[str]) -> None:
    """Wait until the paragraph's highlights are exactly `expected` (highlighting follows the swap)."""
    want = sorted(expected)
    try:
        wait_until(
            page,
            f"([pid, want]) => JSON.stringify(({HIGHLIGHTS_JS})(pid)) === JSON.stringify(want)",
            [pid, want],
            timeout=5,
        )
    except PlaywrightTimeoutError:
        raise AssertionError(f"highlights in paragraph {pid}: {highlighted(page, pid)}, expected {want}") from None


def comment_in_thread(page: Page, pid: str, body: str) -> Locator:
    return page.locator(f"#thread-{pid} li.comment", has=page.locator(".comment__body", has_text=body))


def comment_id(item: Locator) -> str:
    return item.get_attribute("id").removeprefix("comment-")


def reply_to(page: Page, cid: str, body: str) -> None:
    """Open the reply <details> under comment `cid`, write and send the reply."""
    item = page.locator(f"#comment-{cid}")
    item.locator("details.reply > summary").first.click()
    textarea = page.locator(f"#reply-{cid}")
    expect(textarea).to_be_visible()
    textarea.fill(body)
    item.locator("details.reply form button[type=submit]").first.click()


def expect_nested_reply(page: Page, cid: str, body: str) -> None:
    reply = page.locator(
        f"#comment-{cid} > ol.replies > li.comment.comment--reply", has=page.locator(".comment__body", has_text=body)
    )
    expect(reply).to_have_count(1)


def tally(page: Page, key: str) -> dict[str, int]:
    """The tally in #vote-<key>: yes, no, abstain, organisations voted and entitled."""
    box = page.locator(f"#vote-{key} .tally")
    expect(box).to_be_visible()
    yes, no, abstain = (int(n) for n in box.locator("strong").all_inner_texts())
    voted, entitled = (int(n) for n in re.findall(r"\d+", box.locator(".turnout").inner_text()))
    return {"yes": yes, "no": no, "abstain": abstain, "voted": voted, "entitled": entitled}


def expect_tally(page: Page, key: str, expected: dict[str, int]) -> None:
    box = page.locator(f"#vote-{key} .tally")
    for index, choice in enumerate(("yes", "no", "abstain")):
        expect(box.locator("strong").nth(index)).to_have_text(str(expected[choice]))
    expect(box.locator(".turnout")).to_have_text(re.compile(rf"\b{expected['voted']}\b.*\b{expected['entitled']}\b"))


def vote_button(page: Page, key: str, choice: str) -> Locator:
    return page.locator(f"#vote-{key} button[name=vote][value='{key}:{choice}']")


def expect_pressed(page: Page, key: str, choice: str) -> None:
    for value in ("yes", "no", "abstain"):
        expect(vote_button(page, key, value)).to_have_attribute("aria-pressed", "true" if value == choice else "false")


# -- The database (read in the test's app context, then let go: SQLite must not stay locked) ----


def votes_in_db(short_name: str, pid: str) -> tuple[list[tuple[Choice, str]], list[tuple[Choice, str]]]:
    """(current votes, casts in order) of an organisation on a paragraph, as (choice, e-mail of the caster)."""
    from consult.accounts.models import User

    try:
        db.session.expire_all()
        org_id = db.session.scalar(select(Organisation.id).where(Organisation.short_name == short_name))
        emails = dict(db.session.execute(select(User.id, User.email)).all())
        votes = db.session.scalars(
            select(Vote).where(Vote.organisation_id == org_id, Vote.paragraph_id == int(pid))
        ).all()
        casts = db.session.scalars(
            select(VoteCast)
            .where(VoteCast.organisation_id == org_id, VoteCast.paragraph_id == int(pid))
            .order_by(VoteCast.id)
        ).all()
        return (
            [(v.choice, emails.get(v.cast_by_id)) for v in votes],
            [(c.choice, emails.get(c.cast_by_id)) for c in casts],
        )
    finally:
        db.session.remove()


def comment_in_db(cid: str) -> dict:
    try:
        db.session.expire_all()
        comment = db.session.get(Comment, int(cid))
        assert comment is not None, f"comment {cid} is not in the database"
        return {
            "status": comment.status,
            "stance": comment.stance,
            "quote": comment.quote_exact,
            "parent_id": comment.parent_id,
            "paragraph_id": comment.paragraph_id,
        }
    finally:
        db.session.remove()


def assert_vote_history(short_name: str, pid: str, first: str, second: str) -> None:
    votes, casts = votes_in_db(short_name, pid)
    assert votes == [(Choice.ABSTAIN, second)], votes
    assert casts == [(Choice.YES, first), (Choice.ABSTAIN, second)], casts


@pytest.fixture
def held_live_server(live_server):
    """The demo served, with participation-law set to hold every new comment for moderation."""
    try:
        draft = db.session.scalar(select(Draft).where(Draft.slug == COMMENTING))
        draft.moderation_policy = ModerationPolicy.HOLD
        db.session.commit()
    finally:
        db.session.remove()
    return live_server


# -- With JavaScript ---------------------------------------------------------------------------


def test_comment_on_a_selected_passage_and_reply_without_reload(live_server, page: Page, new_context):
    sign_in(page, live_server, delegate(COMMENTER_ORG, 0))
    open_draft(page, live_server, COMMENTING)
    pid = paragraph_id(page, PROSE_WORDS)
    count = page.locator(f"#count-{pid}")
    before = shown_count(count)
    assert highlighted(page, pid) == []
    mark_not_reloaded(page)

    # Select words in the paragraph: the offer appears; it opens the thread with the passage quoted.
    offer = page.locator(".passage-offer")
    select_words(page, pid, PASSAGE)
    expect(offer).to_have_js_property("hidden", False)
    expect(offer).to_be_visible()
    assert_offer_at_selection(page, offer)
    offer.click()
    expect(page.locator(f"#thread-{pid}.thread--open")).to_be_visible()
    expect(page.locator(f"#quote-{pid}")).to_have_value(PASSAGE)

    # Comment with a stance: the comment, the highlight and the new count, in place.
    body = "Sprachkurse allein schaffen keine Teilhabe – browser test comment."
    page.locator(f"#body-{pid}").fill(body)
    page.locator(f"#stance-{pid}-concern").check()
    page.locator(f"#thread-{pid} form.comment-form button[type=submit]").click()
    new = comment_in_thread(page, pid, body)
    expect(new).to_have_count(1)
    expect(new.locator(".comment__quote")).to_contain_text(PASSAGE)
    expect(page.locator(f"#text-{pid} mark.quote").first).to_be_visible()
    expect_highlights(page, pid, [PASSAGE])
    expect_count(count, before + 1)
    expect(page.locator("#live-region")).not_to_have_text("")
    assert_not_reloaded(page)
    cid = comment_id(new)
    stored = comment_in_db(cid)
    assert stored["status"] == CommentStatus.PUBLISHED and stored["stance"] == Stance.CONCERN, stored
    assert stored["quote"] == PASSAGE and str(stored["paragraph_id"]) == pid, stored

    # Reply: it nests under the comment; the count counts it; still no page load.
    reply = "Dem schließen wir uns an – browser test reply."
    reply_to(page, cid, reply)
    expect_nested_reply(page, cid, reply)
    # htmx moves the focus to the new reply once the swap has settled; wait for that
    # before using the keyboard, or the focus moves under the test's feet.
    wait_until(page, "() => !!(document.activeElement && document.activeElement.closest('.comment--reply'))")
    expect_count(count, before + 2)
    expect_highlights(page, pid, [PASSAGE])
    assert_not_reloaded(page)

    # Keyboard only: from the quote field, Shift+Tab reaches the sentence picker; an arrow key
    # chooses the first sentence, which fills the quote field.
    quote = page.locator(f"#quote-{pid}")
    expect(quote).to_have_value("")
    picker = page.locator(f"#thread-{pid} select.sentence-picker")
    quote.focus()
    page.keyboard.press("Shift+Tab")
    expect(picker).to_be_focused()
    page.keyboard.press("ArrowDown")
    sentence = picker.locator("option").nth(1).get_attribute("data-full")
    assert sentence and sentence.startswith("Integrationspolitik wurde lange"), sentence
    expect(quote).to_have_value(sentence)
    page.locator(f"#body-{pid}").fill("Zum ersten Satz – browser test, keyboard.")
    page.locator(f"#body-{pid}").press("Tab")
    expect(page.locator(f"#thread-{pid} form.comment-form button[type=submit]")).to_be_focused()
    page.keyboard.press("Enter")
    by_keyboard = comment_in_thread(page, pid, "Zum ersten Satz")
    expect(by_keyboard.locator(".comment__quote")).to_contain_text(sentence)
    expect_count(count, before + 3)
    expect_highlights(page, pid, [PASSAGE, sentence])
    assert_not_reloaded(page)

    # Everyone who can see the comments sees the passages highlighted: a guest, on the public draft.
    guest = new_context().new_page()
    open_draft(guest, live_server, COMMENTING)
    expect_count(guest.locator(f"#count-{pid}"), before + 3)
    expect_highlights(guest, pid, [PASSAGE, sentence])


def test_passage_offer_shows_only_while_words_are_selected(live_server, page: Page):
    sign_in(page, live_server, delegate(COMMENTER_ORG, 0))
    open_draft(page, live_server, COMMENTING)
    pid = paragraph_id(page, PROSE_WORDS)
    offer = page.locator(".passage-offer")
    expect(offer).to_be_hidden()

    select_words(page, pid, PASSAGE)
    expect(offer).to_be_visible()
    page.evaluate("() => getSelection().removeAllRanges()")  # the selection goes away: so does the offer
    expect(offer).to_be_hidden()

    select_words(page, pid, PASSAGE)
    expect(offer).to_be_visible()
    offer.click()  # used: it goes away
    expect(page.locator(f"#quote-{pid}")).to_have_value(PASSAGE)
    expect(offer).to_be_hidden()


def test_vote_then_second_delegate_changes_it_without_reload(live_server, page: Page):
    first, second = delegate(VOTER_ORG, 0), delegate(VOTER_ORG, 1)
    sign_in(page, live_server, first)
    open_draft(page, live_server, VOTING)
    pid = first_votable_prose_paragraph(page)
    original = tally(page, pid)
    expect_pressed(page, pid, "none")
    mark_not_reloaded(page)

    vote_button(page, pid, "yes").click()
    expect_pressed(page, pid, "yes")
    expect_tally(page, pid, {**original, "yes": original["yes"] + 1, "voted": original["voted"] + 1})
    expect(page.locator("#live-region")).not_to_have_text("")
    assert_not_reloaded(page)

    # The second delegate of the same organisation sees the organisation's vote and changes it.
    sign_out(page)
    sign_in(page, live_server, second)
    open_draft(page, live_server, VOTING)
    expect_pressed(page, pid, "yes")
    mark_not_reloaded(page)
    vote_button(page, pid, "abstain").click()
    expect_pressed(page, pid, "abstain")
    changed = {**original, "abstain": original["abstain"] + 1, "voted": original["voted"] + 1}
    expect_tally(page, pid, changed)
    assert_not_reloaded(page)

    # The organisation counts once after a reload too, and the database holds one vote, two casts.
    page.reload()
    expect_pressed(page, pid, "abstain")
    expect_tally(page, pid, changed)
    assert_vote_history(VOTER_ORG, pid, first, second)


# -- Without JavaScript ------------------------------------------------------------------------


def test_comment_and_reply_without_javascript(live_server, new_context):
    page = signed_in_page(new_context, live_server, delegate(COMMENTER_ORG, 0), javascript=False)
    open_draft(page, live_server, COMMENTING)
    pid = paragraph_id(page, PROSE_WORDS)
    count = page.locator(f"#count-{pid}")
    before = shown_count(count)
    expect(page.locator(f"#quote-{pid}")).to_have_count(0)

    # The count link opens the thread as a page of its own.
    count.click()
    expect(page).to_have_url(re.compile(rf"/drafts/{COMMENTING}\?open={pid}#thread-{pid}$"))
    expect(page.locator(f"#thread-{pid}.thread--open")).to_be_visible()

    # Type the passage, write, choose a stance, send: POST, redirect, the comment in the thread.
    page.locator(f"#quote-{pid}").fill(PASSAGE)
    body = "Ohne JavaScript kommentiert – browser test."
    page.locator(f"#body-{pid}").fill(body)
    page.locator(f"#stance-{pid}-support").check()
    page.locator(f"#thread-{pid} form.comment-form button[type=submit]").click()
    new = comment_in_thread(page, pid, body)
    expect(new).to_have_count(1)
    expect(page).to_have_url(re.compile(rf"\?open={pid}#comment-{comment_id(new)}$"))
    expect(new.locator(".comment__quote")).to_contain_text(PASSAGE)
    expect_count(count, before + 1)
    cid = comment_id(new)
    stored = comment_in_db(cid)
    assert stored["quote"] == PASSAGE and stored["stance"] == Stance.SUPPORT, stored

    # Reply (a native <details> opens without JavaScript).
    reply = "Antwort ohne JavaScript – browser test."
    reply_to(page, cid, reply)
    expect_nested_reply(page, cid, reply)
    expect_count(count, before + 2)

    # Keyboard passage choice works without JavaScript too: the server takes the chosen sentence.
    picker = page.locator(f"#thread-{pid} select.sentence-picker")
    picker.focus()
    picker.select_option(index=1)
    sentence = picker.locator("option").nth(1).get_attribute("data-full")
    expect(page.locator(f"#quote-{pid}")).to_have_value("")
    page.locator(f"#body-{pid}").fill("Satz gewählt ohne JavaScript – browser test.")
    page.locator(f"#thread-{pid} form.comment-form button[type=submit]").click()
    chosen = comment_in_thread(page, pid, "Satz gewählt ohne JavaScript")
    expect(chosen.locator(".comment__quote")).to_contain_text(sentence)
    expect_count(count, before + 3)


def test_vote_and_change_without_javascript(live_server, new_context):
    first, second = delegate(VOTER_ORG, 0), delegate(VOTER_ORG, 1)
    page = signed_in_page(new_context, live_server, first, javascript=False)
    open_draft(page, live_server, VOTING)
    pid = first_votable_prose_paragraph(page)
    original = tally(page, pid)

    vote_button(page, pid, "yes").click()
    expect(page).to_have_url(re.compile(rf"/drafts/{VOTING}#p\d+$"))
    expect_pressed(page, pid, "yes")
    expect_tally(page, pid, {**original, "yes": original["yes"] + 1, "voted": original["voted"] + 1})

    sign_out(page)
    sign_in(page, live_server, second)
    open_draft(page, live_server, VOTING)
    expect_pressed(page, pid, "yes")
    vote_button(page, pid, "abstain").click()
    expect(page).to_have_url(re.compile(rf"/drafts/{VOTING}#p\d+$"))
    expect_pressed(page, pid, "abstain")
    expect_tally(page, pid, {**original, "abstain": original["abstain"] + 1, "voted": original["voted"] + 1})
    assert_vote_history(VOTER_ORG, pid, first, second)


# -- A comment held for moderation -------------------------------------------------------------


def test_held_comment_shows_only_to_its_author(held_live_server, page: Page, new_context):
    base = held_live_server
    sign_in(page, base, delegate(COMMENTER_ORG, 0))
    open_draft(page, base, COMMENTING)
    pid = paragraph_id(page, COMMENTED_WORDS)
    count = page.locator(f"#count-{pid}")
    before = shown_count(count)
    assert before > 0, "the demo paragraph should already have published comments"
    mark_not_reloaded(page)

    # Open the thread in place through the count link; type the passage; comment.
    count.click()
    expect(page.locator(f"#thread-{pid}.thread--open")).to_be_visible()
    items_before = page.locator(f"#thread-{pid} li.comment").count()
    page.locator(f"#quote-{pid}").fill(HELD_PASSAGE)
    body = "Bitte erst prüfen – held browser test comment."
    page.locator(f"#body-{pid}").fill(body)
    page.locator(f"#stance-{pid}-neutral").check()
    page.locator(f"#thread-{pid} form.comment-form button[type=submit]").click()

    held = comment_in_thread(page, pid, body)
    expect(held).to_have_count(1)
    expect(held).to_have_class(re.compile(r"\bcomment--pending\b"))
    expect(held.locator(".badge--pending")).to_be_visible()
    expect(page.locator(f"#thread-{pid} li.comment")).to_have_count(items_before + 1)
    expect_count(count, before)
    expect_highlights(page, pid, [DEMO_QUOTE, HELD_PASSAGE])
    assert_not_reloaded(page)
    cid = comment_id(held)
    assert comment_in_db(cid)["status"] == CommentStatus.PENDING

    # After a reload the author still sees it waiting (and its passage highlighted); the count is unchanged.
    page.goto(f"{base}/drafts/{COMMENTING}?open={pid}")
    expect(page.locator(f"#comment-{cid} .badge--pending")).to_be_visible()
    expect_count(count, before)
    expect_highlights(page, pid, [DEMO_QUOTE, HELD_PASSAGE])

    # A delegate of another organisation: not in the thread, not highlighted, not counted.
    other = signed_in_page(new_context, base, delegate(OTHER_ORG, 0))
    other.goto(f"{base}/drafts/{COMMENTING}?open={pid}#thread-{pid}")
    expect(other.locator(f"#thread-{pid}.thread--open")).to_be_visible()
    expect(other.locator(f"#thread-{pid} li.comment")).to_have_count(items_before)
    expect(other.locator(f"#comment-{cid}")).to_have_count(0)
    expect(other.locator(".badge--pending")).to_have_count(0)
    expect(other.get_by_text(body)).to_have_count(0)
    expect_count(other.locator(f"#count-{pid}"), before)
    expect_highlights(other, pid, [DEMO_QUOTE])
    # ... and not in the thread fragment that htmx loads either.
    other.goto(f"{base}/drafts/{COMMENTING}")
    other.locator(f"#count-{pid}").click()
    expect(other.locator(f"#thread-{pid}.thread--open")).to_be_visible()
    expect(other.locator(f"#thread-{pid} li.comment")).to_have_count(items_before)
    expect(other.get_by_text(body)).to_have_count(0)
