"""What the screens following the chair show, split into the part that is the same for everybody and the part
that is each person's.

While votes come in, every vote raises the draft's tally revision, so nearly every poll of the 300 phones in a
room is answered with a new block (`consult.live.views.state`). Most of that block is the same for everybody:
the question and its text, the tally, the result, how many organisations present have voted (the projector),
the session's proxies, and even each organisation's choice (a vote raises the tally revision too). `shown()`
builds that once per process for each state of the session — keyed by `consult.live.queries.live_version`
(the draft's revision, its tally revision, whether a countdown ran out: what the state blocks' ETags are made
of) and the language — and keeps it as plain values (no database objects) in a small bounded memo: the question
and its text once per draft revision (the chair's actions), the tally, every organisation's choice and the
proxies (three queries) once per tally revision, the projector's counts (`room_counts`) only when the
projector asks. `current_for()` and `proxies_for()` pick the person's part out of it without a query: their
organisation's choice, whether they may vote now, the vote boxes of the proxies their organisation holds.

Everything here follows what the ETag names: a change that does not raise the draft's revision or tally
revision (e.g. an organisation leaving the federation mid-session) shows up with the next one, as before."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Hashable

from flask import current_app
from flask_babel import get_locale
from markupsafe import Markup

from consult.amendments.models import Amendment
from consult.drafts.models import Draft
from consult.drafts.queries import DraftState
from consult.drafts.services import current_text, current_version
from consult.extensions import db
from consult.live import screens
from consult.live.proxy_queries import session_proxies
from consult.live.queries import active_session, open_item
from consult.results.live_record import NamedOrganisation
from consult.votes.permissions import can_vote
from consult.votes.queries import Tally, question_choices, tally
from consult.votes.views import VoteWords, vote_context, vote_words

MEMO_SIZE = 64  # states kept per process: a few drafts × two languages × the last revisions


@dataclass(frozen=True)
class Question:
    """An agenda item as the screens name it (the attributes the templates read of `AgendaItem`)."""

    id: int
    paragraph_id: int | None
    amendment_id: int | None
    closes_at: datetime | None


@dataclass(frozen=True)
class ProxyFacts:
    """A proxy of the session not withdrawn (the attributes templates/live/_proxy_votes.html reads)."""

    organisation_id: int
    holder_id: int
    confirmed_at: datetime | None
    organisation: NamedOrganisation
    holder: NamedOrganisation


@dataclass(frozen=True)
class Shown:
    """What every screen shows of the draft's live session now, the same for everybody who looks.

    `state` is "open" (a question runs), "closed" (none runs: the one closed last with its result) or "none";
    `text` the question's text as rendered (the paragraph with its line numbers, or the amendment's change).
    With an `item`, `session_id` is set, and so are `tally` and `choices` once `shown()` has built the tally."""

    live: bool
    session_id: int | None = None
    item: Question | None = None
    state: str = "none"
    positions: dict[int, int] = field(default_factory=dict)
    text: Markup = Markup("")
    tally: Tally | None = None
    bars: tuple[screens.Bar, ...] = ()
    carried: bool | None = None
    choices: dict[int, str] = field(default_factory=dict)
    proxies: tuple[ProxyFacts, ...] = ()
    vb: VoteWords | None = None

    def handed_over(self, organisation_id: int | None) -> bool:
        """Whether another organisation holds this one's vote (a proxy in force: `consult.votes.proxy_gate`)."""
        return any(p.organisation_id == organisation_id and p.confirmed_at is not None for p in self.proxies)


class _Memo:
    """The last `size` values by key, least recently used out first; shared by a process's threads."""

    def __init__(self, size: int) -> None:
        self._entries: OrderedDict[Hashable, Shown] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Shown | None:
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
            return value

    def put(self, key: Hashable, value: Shown) -> None:
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)


def _memo() -> _Memo:
    memo = current_app.extensions.get("consult_live_shown")
    if memo is None:
        memo = current_app.extensions["consult_live_shown"] = _Memo(MEMO_SIZE)
    return memo


def _memoised(key: Hashable, build):
    memo = _memo()
    found = memo.get(key)
    if found is None:
        found = build()
        memo.put(key, found)
    return found


def shown(draft: Draft | DraftState, version: tuple | None, now: datetime) -> Shown:
    """What the screens show of `draft`'s session in the state `version` (`live_version(draft.id, now)`), the
    same value for every caller until the state changes. Built once per process in two layers: the question
    (session, item, text, words) for each draft revision, countdown state and language — the chair's actions —
    and on it the tally and the proxies for each tally revision — the votes, a few a second."""
    revision, tally_revision, ran_out = version if version is not None else (None, None, None)
    locale = str(get_locale())
    question = _memoised(("question", draft.id, revision, ran_out, locale), lambda: _question(_whole(draft), now))
    if question.item is None:
        return question
    return _memoised(
        ("tally", draft.id, revision, tally_revision, ran_out, locale), lambda: _with_tally(draft, question)
    )


def _whole(draft: Draft | DraftState) -> Draft:
    """The draft as an object (the polled state reads it as a `DraftState`; building the facts reads more)."""
    return draft if isinstance(draft, Draft) else db.session.get_one(Draft, draft.id)


def room_counts(draft: Draft, seen: Shown, version: tuple | None) -> tuple[int | None, int | None]:
    """For the projector, on a question that runs: the organisations present (checked in or represented by a
    proxy) and how many of them voted on it in the session; built once per process for each `version`."""
    if seen.state != "open":
        return None, None
    session_id, item = seen.session_id, seen.item
    assert session_id is not None and item is not None, "a question runs: in a session"

    def count():
        in_room = screens.present_organisations(session_id)
        return len(in_room), screens.voted_in_room(draft.id, item.paragraph_id, item.amendment_id, in_room)

    return _memoised(("room", draft.id, version), count)


def _positions(draft: Draft) -> dict[int, int]:
    version = current_version(draft)
    return {text.paragraph_id: text.position for text in version.texts} if version else {}


def _party(organisation) -> NamedOrganisation:
    return NamedOrganisation(organisation.id, organisation.name, organisation.short_name)


def _question(draft: Draft, now: datetime) -> Shown:
    """The question layer: the session, the question shown and its text (no tally yet)."""
    live = active_session(draft.id)
    if live is None:
        return Shown(live=False, vb=vote_words(draft))
    running = open_item(live)
    item = running if screens.running(running, now) else screens.last_closed(live, now)
    if item is None:
        return Shown(live=True, session_id=live.id, vb=vote_words(draft))
    positions = _positions(draft)
    paragraph_id, amendment_id = item.paragraph_id, item.amendment_id
    text = current_text(draft, paragraph_id) if paragraph_id is not None else None
    amendment = db.session.get(Amendment, amendment_id) if amendment_id is not None else None
    macros = current_app.jinja_env.get_template("live/_macros.html").make_module({"positions": positions})
    question_text = macros.question_text  # type: ignore[attr-defined]  # a macro: Jinja's types do not declare it
    return Shown(
        live=True,
        session_id=live.id,
        item=Question(item.id, paragraph_id, amendment_id, item.closes_at),
        state="open" if screens.running(item, now) else "closed",
        positions=positions,
        text=Markup(question_text({"text": text, "amendment": amendment})),
        vb=vote_words(draft),
    )


def _with_tally(draft: Draft | DraftState, question: Shown) -> Shown:
    """The tally layer on the question: its tally (with the result's bars after closing) and the proxies."""
    item, session_id = question.item, question.session_id
    assert item is not None and session_id is not None, "only a question shown has a tally"
    counts = tally(draft.id, item.paragraph_id, item.amendment_id)
    choices = question_choices(draft.id, item.paragraph_id, item.amendment_id)
    proxies = tuple(
        ProxyFacts(p.organisation_id, p.holder_id, p.confirmed_at, _party(p.organisation), _party(p.holder))
        for p in session_proxies(session_id)
    )
    closed = question.state == "closed"
    return replace(
        question,
        tally=counts,
        choices=choices,
        proxies=proxies,
        bars=tuple(screens.bars(counts)) if closed else (),
        carried=screens.carried(_whole(draft), counts) if closed else None,
    )


def may_vote(user, draft: Draft | DraftState, seen: Shown, now: datetime) -> bool:
    """`consult.votes.permissions.can_vote_on_question` on the question the screens show, without its two
    queries: a delegate of an active member organisation while voting is open (`can_vote`), the question
    running in the session (the live gate), and no other organisation holding their organisation's vote."""
    return (
        seen.state == "open"
        and not seen.handed_over(getattr(user, "organisation_id", None))
        and can_vote(user, draft, now)
    )


def current_for(user, draft: Draft | DraftState, seen: Shown, now: datetime, personal: bool = True) -> dict | None:
    """The question as `user` sees it (the `current` of the live templates): the shared facts with their
    organisation's choice (from every organisation's, read with the tally) and vote box; None before the first
    question. No query. Not `personal` (the projector, which shows nobody's choice): no choice, no buttons."""
    if seen.item is None:
        return None
    item = seen.item
    assert seen.tally is not None, "shown() builds the tally of every question it shows"
    organisation_id = getattr(user, "organisation_id", None) if personal else None
    position = None if item.paragraph_id is None else seen.positions.get(item.paragraph_id)
    choice = None if organisation_id is None else seen.choices.get(organisation_id)
    box = vote_context(
        draft,
        item.paragraph_id,
        position,
        seen.tally,
        choice,
        personal and may_vote(user, draft, seen, now),
        amendment_id=item.amendment_id,
    )
    return {
        "item": item,
        "state": seen.state,
        "text": seen.text,
        "box": box,
        "bars": seen.bars,
        "carried": seen.carried,
    }


def proxies_for(user, draft: Draft | DraftState, seen: Shown, chair: bool, now: datetime) -> dict:
    """What templates/live/_proxy_votes.html shows the person inside the current question: the proxy their
    organisation gave (`given`), and on a running question a vote box per proxy in force it holds (`boxes`:
    the giver, its choice on record and whether the person may vote now). No query."""
    own = getattr(user, "organisation_id", None)
    if chair or own is None:
        return {"given": None, "boxes": []}
    given = next((p for p in seen.proxies if p.organisation_id == own), None)
    held = [p for p in seen.proxies if p.holder_id == own and p.confirmed_at is not None]
    boxes = []
    if seen.state == "open" and held:
        can = may_vote(user, draft, seen, now)
        boxes = [
            {"proxy": p, "giver": p.organisation, "choice": seen.choices.get(p.organisation_id), "can_vote": can}
            for p in held
        ]
    return {"given": given, "boxes": boxes}
