"""The draft page's parts that change with every vote: its vote boxes and the tally feed it polls.

A vote changes a tally and nothing else of the draft page, so the page is cached by the draft's revision alone
(consult.core.page_cache) with a hole for each vote box (`vote_hole`), filled for each request (`fill`): the
tallies from the process's tally sheet of the draft's tally revision (one query after a vote, none otherwise),
the organisation's choices (one query), and whether the person may vote now. A box's HTML depends on nothing
else, so it is kept per process under what it shows: after a vote only that question's boxes are rendered
again, and all of them in one template call. And all parts of one organisation's page are kept per process
under the draft's revisions: every vote (its own organisation's too) raises the tally revision, so until the
next one a view of the page costs no query and no rendering for them.
"""

from __future__ import annotations

from flask import current_app, render_template, url_for
from flask_babel import get_locale
from flask_login import current_user

from consult.core.page_cache import hole
from consult.drafts.models import Draft
from consult.votes.live_gate import live_session_active
from consult.votes.permissions import can_vote
from consult.votes.queries import amendment_choices_of, choices_of, signature, tally_sheet
from consult.votes.views import vote_words

FEED = "tally-feed"
SEPARATOR = "\x00box\x00"  # between the parts of the one rendering of all boxes (never typed by anyone)
KEPT_BOXES = 50_000  # boxes kept per process before the store starts again (a few MB)


def vote_hole(key, position: int | None = None):
    """The hole for the vote box of question `key` (paragraph id, "whole", "a<amendment id>") at § `position`."""
    return hole(f"vote:{key}:{position or ''}")


def feed_hole():
    """The hole for the tally feed (`<span id="tally-feed">`: its URL, the ETag of the tallies shown)."""
    return hole(FEED)


def fill(draft: Draft, entitled, now, names) -> dict[str, str]:
    """The parts for the holes `names` of the draft page, for this request."""
    may_vote = can_vote(current_user, draft, now)
    organisation_id = current_user.organisation_id if current_user.is_authenticated else None
    pages = current_app.extensions.setdefault("consult_vote_parts", {})
    if len(pages) > KEPT_BOXES // 100:
        pages.clear()
    page_key = (draft.id, organisation_id, str(get_locale()), may_vote)
    # Starting or ending a live session (which ends the online voting) raises the draft's revision.
    state = (draft.revision, draft.tally_revision, signature(entitled), tuple(names))
    known = pages.get(page_key)
    if known is not None and known[0] == state:
        return known[1]
    parts = _fill(draft, entitled, organisation_id, may_vote and not live_session_active(draft.id), names)
    pages[page_key] = (state, parts)
    return parts


def _fill(draft: Draft, entitled, organisation_id: int | None, may_vote: bool, names) -> dict[str, str]:
    holes = [(name, *name.split(":")[1:]) for name in names if name.startswith("vote:")]
    sheet = tally_sheet(draft.id, draft.tally_revision, signature(entitled))
    choices: dict = {}
    if any(not key.startswith("a") for _, key, _ in holes):
        choices.update((str(pid or "whole"), choice) for pid, choice in choices_of(organisation_id, draft.id).items())
    if any(key.startswith("a") for _, key, _ in holes):
        choices.update((f"a{aid}", choice) for aid, choice in amendment_choices_of(organisation_id, draft.id).items())
    kept = current_app.extensions.setdefault("consult_vote_boxes", {})
    if len(kept) > KEPT_BOXES:
        kept.clear()
    language = str(get_locale())
    parts, missing = {}, []
    for name, key, position in holes:
        shown = (sheet.shown(key), sheet.entitled[0])
        store_key = (draft.id, draft.slug, language, key, position, choices.get(key), may_vote)
        known = kept.get(store_key)
        if known is not None and known[0] == shown:
            parts[name] = known[1]
        else:
            missing.append((name, store_key, shown, key, position))
    vb = vote_words(draft)
    boxes = [
        (_box_key(key), sheet.tally(*_question(key)), choices.get(key), _words(vb, key, position))
        for _, _, _, key, position in missing
    ]
    rendered = render_template(
        "reading/_vote_boxes.html",
        boxes=boxes,
        vb=vb,
        separator=SEPARATOR,
        can_vote=may_vote,
        feed_url=url_for("votes.tallies", slug=draft.slug),
        etag=sheet.etag,
    )
    *boxes_html, parts[FEED] = rendered.split(SEPARATOR)
    for (name, store_key, shown, _, _), html in zip(missing, boxes_html, strict=True):
        parts[name] = html
        kept[store_key] = (shown, html)
    return parts


def _question(key: str) -> tuple[int | None, int | None]:
    """(paragraph id, amendment id) of a box's key, as the tally sheet counts them."""
    if key.startswith("a"):
        return None, int(key[1:])
    return (None if key == "whole" else int(key)), None


def _box_key(key: str):
    return int(key) if key.isdigit() else key


def _words(vb, key: str, position: str) -> str:
    if key.startswith("a"):
        return vb.amendment % {"num": int(key[1:])}
    if key == "whole":
        return vb.whole
    return vb.question % {"num": int(position)}
