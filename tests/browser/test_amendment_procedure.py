"""The organisations decide the amendments, end to end in a real browser (issue 15, "Done when", second point).

Four member organisations work on a draft where "Die Organisationen stimmen ab" and one other
organisation must support an amendment before others see it (Unterstützungsquorum 1):

1. each organisation proposes an amendment; before any support, another organisation does not
   find it; the proposer shares the support link and another organisation supports through it;
2. the board moves the draft to editing; the moderator makes the procedural recommendations
   (Verfahrensvorschläge); the proposer of one agrees to the modified text, another organisation
   asks for a vote on one recommended for acceptance;
3. the board starts the vote: the modified text is taken over by consent, two colliding amendments
   form an alternatives set in their voting order, a single amendment is put to the vote;
4. the four organisations vote on the amendments from the draft page; the first alternative passes
   (the second lapses), the single amendment passes;
5. the board closes the amendment vote (back to editing), the moderator builds the next version
   (no collision) and publishes it; the version names the decisions; the results page shows the
   amendment questions.

It runs with JavaScript (htmx answers in place) and without (every form a plain POST and a
redirect), on both databases.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from consult.amendments.models import Amendment, AmendmentStatus, DecidedHow, LapseReason
from consult.demo.content import DELEGATES, STAFF
from consult.demo.services import demo_email
from consult.drafts.models import AmendmentProcedure, Phase, VersionStatus
from consult.drafts.services import get_by_slug, import_draft
from consult.extensions import db
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser

SLUG = "teilhabe-vor-ort"
TEXT = """# Teilhabe vor Ort

Die Kommunen sollen Beiräte für Migration einrichten und diese angemessen ausstatten.

Die Beiräte erhalten ein Rederecht in allen Ausschüssen des Rates.

Die Verwaltung berichtet jährlich über die Umsetzung.
"""
ORGS = ("IEB", "NAVE", "FPK", "VDBE")
BOARD = demo_email(STAFF["board"])
MODERATOR = demo_email(STAFF["moderator"])


def delegate(short_name: str) -> str:
    return demo_email(DELEGATES[short_name][0], short_name)


@pytest.fixture
def procedure_draft(live_server):
    """A draft in commenting where the organisations decide, with a supporter quorum of 1."""
    draft = import_draft(TEXT, "Teilhabe vor Ort", SLUG)
    draft.amendment_procedure = AmendmentProcedure.ORGANISATIONS
    draft.support_quorum = 1
    draft.phase = Phase.COMMENTING
    draft.is_public = False
    db.session.commit()
    return live_server


@pytest.fixture(params=[True, False], ids=["with-js", "without-js"])
def page(request, browser):
    context = browser.new_context(java_script_enabled=request.param, locale="de-DE")
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.javascript = request.param
    yield page
    context.close()


def paragraph(page: Page, words: str):
    item = page.locator("li.paragraph", has=page.locator(".paragraph__body", has_text=words))
    expect(item).to_have_count(1)
    return item


def propose(page: Page, base: str, words: str, old: str, new: str, why: str) -> int:
    page.goto(f"{base}/drafts/{SLUG}")
    paragraph(page, words).locator("a.propose-link").click()
    text = page.locator("textarea[name=text]")
    current = text.input_value()
    assert old in current
    text.fill(current.replace(old, new, 1))
    page.locator("textarea[name=justification]").fill(why)
    page.locator("form.amendment-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/amendments/\d+$"))
    return int(page.url.rsplit("/", 1)[1])


def amendment_url(base: str, number: int) -> str:
    return f"{base}/drafts/{SLUG}/amendments/{number}"


def move_to(page: Page, base: str, phase: str) -> None:
    """The board moves the draft from its settings page, through the confirmation."""
    page.goto(f"{base}/drafts/{SLUG}/settings")
    page.locator(f"a[href$='/phase?to={phase}']").click()
    page.locator("main form[action$='/phase'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"/drafts/{SLUG}$"))


def recommend(page: Page, base: str, number: int, decision: str, reason: str = "", adopted: tuple | None = None):
    page.goto(amendment_url(base, number))
    form = page.locator("form[action$='/decision']")
    expect(form).to_contain_text("Verfahrensvorschlag")
    form.locator(f"input[name=decision][value={decision}]").check()
    if reason:
        form.locator("textarea[name=reason]").fill(reason)
    if adopted is not None:
        field = form.locator("textarea[name=adopted_text]")
        field.fill(field.input_value().replace(*adopted))
    form.locator("button[type=submit]").click()
    expect(page.locator("#recommendation")).to_contain_text("Verfahrensvorschlag")


def vote(page: Page, number: int, choice: str) -> None:
    button = page.locator(f"#vote-a{number} button[value='a{number}:{choice}']")
    button.click()
    if not page.javascript:
        expect(page).to_have_url(re.compile(rf"#vote-a{number}$"))
    expect(page.locator(f"#vote-a{number} button[value='a{number}:{choice}']")).to_have_attribute(
        "aria-pressed", "true"
    )


def amendment(number: int) -> Amendment:
    db.session.rollback()  # a new transaction: what the server's requests committed meanwhile
    return db.session.get(Amendment, number)


def test_four_organisations_decide_the_amendments(procedure_draft, page: Page, screenshot_dir):
    base = procedure_draft
    js = "js" if page.javascript else "nojs"

    def shot(name: str) -> None:
        if screenshot_dir is not None:
            page.screenshot(path=str(screenshot_dir / f"procedure-{js}-{name}.png"), full_page=True)

    # 1. Four proposals. IEB and NAVE change the same words of § 2 in different ways.
    sign_in(page, base, delegate("IEB"))
    must = propose(page, base, "Beiräte für Migration", "sollen", "müssen", "Eine Pflicht wirkt.")
    expect(page.locator("#quorum")).to_contain_text("0 von 1 unterstützenden Organisationen")
    link_must = page.locator("#support-link").input_value()
    shot("1-collecting-support")
    sign_in(page, base, delegate("NAVE"))
    until = propose(
        page,
        base,
        "Beiräte für Migration",
        "sollen Beiräte für Migration einrichten",
        "richten bis 2028 Beiräte für Migration und Teilhabe ein",
        "Eine Frist und ein klarer Auftrag.",
    )
    link_until = page.locator("#support-link").input_value()
    sign_in(page, base, delegate("FPK"))
    speak = propose(
        page, base, "Rederecht", "ein Rederecht", "ein Rede- und Antragsrecht", "Reden allein reicht nicht."
    )
    link_speak = page.locator("#support-link").input_value()
    # Before any support, IEB's amendment is not there for FPK: not on its page, not on the draft page.
    response = page.goto(amendment_url(base, must))
    assert response.status == 404
    page.goto(f"{base}/drafts/{SLUG}")
    expect(page.locator("main")).not_to_contain_text("müssen")
    sign_in(page, base, delegate("VDBE"))
    report = propose(page, base, "Die Verwaltung berichtet", "jährlich", "halbjährlich", "Öfter berichten.")
    link_report = page.locator("#support-link").input_value()

    # Each proposer shared its link; one other organisation supports each amendment through it.
    for supporter, link in (("NAVE", link_must), ("FPK", link_until), ("VDBE", link_speak), ("IEB", link_report)):
        sign_in(page, base, delegate(supporter))
        page.goto(link)
        page.locator("#support-box button[type=submit]").click()
        expect(page.locator("#support-box")).to_contain_text("Ihre Organisation unterstützt")
        expect(page.locator("#quorum")).to_contain_text("1 von 1 unterstützenden Organisationen")
    shot("2-published")
    # Published now: FPK sees IEB's amendment.
    sign_in(page, base, delegate("FPK"))
    assert page.goto(amendment_url(base, must)).status == 200

    # 2. Editing: the moderator recommends.
    sign_in(page, base, BOARD)
    move_to(page, base, "editing")
    sign_in(page, base, MODERATOR)
    recommend(page, base, must, "reject", "Eine Pflicht überfordert kleine Kommunen.")
    recommend(page, base, until, "accept")
    recommend(page, base, speak, "accept")
    recommend(
        page,
        base,
        report,
        "accept_modified",
        "Einmal im Jahr genügt, aber öffentlich.",
        ("halbjährlich", "jährlich öffentlich"),
    )
    shot("3-recommended")
    # VDBE agrees to the modified text of its amendment.
    sign_in(page, base, delegate("VDBE"))
    page.goto(amendment_url(base, report))
    page.locator("#recommendation button", has_text="Der Übernahme zustimmen").click()
    expect(page.locator("#recommendation")).to_contain_text("zugestimmt")
    # VDBE asks for a vote on FPK's amendment, which is recommended for acceptance.
    page.goto(amendment_url(base, speak))
    page.locator("#recommendation button", has_text="Abstimmung verlangen").click()
    expect(page.locator("#recommendation")).to_contain_text(
        "Ihre Organisation hat eine Abstimmung über diesen Änderungsantrag verlangt"
    )
    # IEB's and NAVE's amendments are alternatives: NAVE's departs further, so it is voted first.
    page.goto(amendment_url(base, must))
    alternatives = page.locator("main")
    expect(alternatives).to_contain_text("Abstimmungsreihenfolge")
    order = page.locator("section.alternatives ol li")
    expect(order.nth(0)).to_contain_text(f"Änderungsantrag {until}")
    expect(order.nth(1)).to_contain_text(f"Änderungsantrag {must}")
    shot("4-alternatives")

    # 3. The board starts the vote.
    sign_in(page, base, BOARD)
    move_to(page, base, "voting")
    assert amendment(report).status == AmendmentStatus.ACCEPTED_MODIFIED
    assert amendment(report).decided_how == DecidedHow.CONSENT
    assert {amendment(n).status for n in (must, until, speak)} == {AmendmentStatus.PUT_TO_VOTE}

    # 4. The organisations vote on the amendments from the draft page.
    ballots = {
        "IEB": {until: "no", must: "yes", speak: "yes"},
        "NAVE": {until: "yes", must: "no", speak: "yes"},
        "FPK": {until: "yes", must: "no", speak: "yes"},
        "VDBE": {until: "yes", must: "abstain", speak: "no"},
    }
    for short_name, choices in ballots.items():
        sign_in(page, base, delegate(short_name))
        page.goto(f"{base}/drafts/{SLUG}")
        expect(page.locator("#amendment-round")).to_contain_text("Abstimmung über Änderungsanträge")
        expect(page.locator("#vote-whole")).to_have_count(0)
        for number, choice in choices.items():
            vote(page, number, choice)
    shot("5-voted")

    # 5. The board closes the amendment vote; the first alternative won, the second lapsed.
    sign_in(page, base, BOARD)
    move_to(page, base, "editing")
    assert amendment(until).status == AmendmentStatus.ACCEPTED and amendment(until).decided_how == DecidedHow.VOTE
    assert amendment(must).status == AmendmentStatus.LAPSED and amendment(must).lapse_reason == LapseReason.ALTERNATIVE
    assert amendment(speak).status == AmendmentStatus.ACCEPTED
    page.goto(f"{base}/drafts/{SLUG}/settings")
    expect(page.locator("main")).to_contain_text("Nächster Schritt")

    # The moderator builds version 2: no collision; then publishes it.
    sign_in(page, base, MODERATOR)
    page.goto(f"{base}/drafts/{SLUG}")
    page.locator("form[action$='/versions'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/versions/2$"))
    expect(page.locator("form[action*='/conflicts/']")).to_have_count(0)
    expect(page.locator("main")).to_contain_text(f"Änderungsantrag {until}")
    shot("6-version-2")
    page.locator("form[action$='/publish'] button[type=submit]").click()
    page.goto(f"{base}/drafts/{SLUG}")
    expect(page.locator(".draft-head")).to_contain_text("Fassung 2")
    expect(paragraph(page, "Beiräte für Migration")).to_contain_text(
        "Die Kommunen richten bis 2028 Beiräte für Migration und Teilhabe ein"
    )
    expect(paragraph(page, "Antragsrecht")).to_contain_text("ein Rede- und Antragsrecht")
    expect(paragraph(page, "Die Verwaltung berichtet")).to_contain_text("jährlich öffentlich")
    db.session.rollback()
    draft = get_by_slug(SLUG)
    assert [v.status for v in draft.versions] == [VersionStatus.PUBLISHED, VersionStatus.PUBLISHED]

    # The results page shows the amendment questions.
    sign_in(page, base, BOARD)
    page.goto(f"{base}/drafts/{SLUG}/results")
    results = page.locator("section#amendments")
    expect(results.locator(f"tbody#amendment-{until}")).to_contain_text("angenommen")
    expect(results.locator(f"tbody#amendment-{must}")).to_contain_text("Erledigt")
    expect(results.locator(f"tbody#amendment-{speak}")).to_contain_text("angenommen")
    shot("7-results")
