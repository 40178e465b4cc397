"""The list of drafts and the reading view of one draft."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user
from jinja2_fragments.flask import render_block

from consult.accounts.models import Role
from consult.accounts.permissions import is_moderator, speaks_for_member_organisation
from consult.amendments.alternatives import voting_groups
from consult.amendments.models import AmendmentStatus
from consult.amendments.permissions import can_propose
from consult.amendments.queries import by_paragraph as amendments_by_paragraph
from consult.amendments.queries import support_counts
from consult.comments.permissions import can_comment
from consult.comments.queries import published_count_by_paragraph, visible_quotes
from consult.comments.views import thread_context
from consult.core import clock
from consult.core.access import public
from consult.core.page_cache import cached_page
from consult.core.pages import check_not_beyond, page_number
from consult.drafts.models import Draft, Phase, Version
from consult.drafts.permissions import can_view_draft
from consult.drafts.services import current_and_preparing, get_by_slug, is_heading, paragraph_rows
from consult.exports import jobs
from consult.exports.models import DocumentsState
from consult.extensions import db, htmx, login_manager
from consult.participation import progress
from consult.reading import passages, ranges, vote_parts
from consult.reading.queries import draft_summaries
from consult.reading.ranges import paragraph_url
from consult.translations import reading as translation_reading
from consult.translations.documents import exported_languages
from consult.versions.queries import manages_versions
from consult.versions.services import can_start_version
from consult.votes.live_gate import live_session_active
from consult.votes.permissions import can_vote, in_amendment_round
from consult.votes.queries import entitlement
from consult.votes.views import vote_words

bp = Blueprint("reading", __name__)
# Every link to § N of a draft goes through it: on a long draft it names the § range that holds the paragraph.
bp.add_app_template_global(paragraph_url)

VOTING_SHOWN = (Phase.VOTING, Phase.ADOPTED, Phase.ARCHIVED)


@bp.route("/")
@public
def draft_list():
    """The drafts this person may see, grouped by phase, with deadline and counts."""
    return render_template("reading/draft_list.html", summaries=draft_summaries(current_user))


@bp.route("/drafts/<slug>")
@public
def draft(slug: str):
    """The current version of a draft: numbered paragraphs with line numbers, comment counts,
    highlighted passages, the open thread (?open=PARAGRAPH) and, when voting, the tallies (in the amendment
    round, the amendments put to the vote with theirs instead, each alternatives set together in its voting order).
    A long draft shows one § range (consult.reading.ranges): the first, the one holding ?from=N, or the one
    holding the open thread; the threads themselves load when opened (consult.comments.views.thread)."""
    draft = _visible_draft(slug)
    if translation_reading.choice_in_request():  # the reading language is kept, the address stays the cached one
        translation_reading.store_choice()
        kept: dict[str, Any] = {k: v for k, v in request.args.items() if k != translation_reading.PARAMETER}
        return redirect(url_for("reading.draft", slug=slug, **kept), 303)
    return _draft_response(draft, "page")


@bp.route("/drafts/<slug>/paragraphs")
@public
def paragraphs(slug: str):
    """The paragraphs of the § range holding ?from=N, for htmx to put in place of the draft page's
    "Continue from § N" link when it scrolls into view; asked for without htmx, the draft page of that range."""
    draft = _visible_draft(slug)
    if not htmx:
        return redirect(paragraph_url(draft.slug, request.args.get("from", type=int)))
    return _draft_response(draft, "paragraphs")


def _visible_draft(slug: str) -> Draft:
    draft = get_by_slug(slug) or abort(404)
    if not can_view_draft(current_user, draft):
        if not current_user.is_authenticated:
            abort(login_manager.unauthorized())
        abort(404)
    return draft


def _draft_response(draft: Draft, block: str):
    """The draft page (`block` "page") or the paragraphs of one of its ranges (`block` "paragraphs")."""
    reading = translation_reading.reading_key()
    now = clock.now()
    voting = draft.phase in VOTING_SHOWN
    entitled = entitlement() if voting else None
    # Everything else the page shows is in the draft's revision or the viewer (page_cache.viewer_key);
    # the deadlines' state and a ten-minute step keep "closes in 3 days" and the open actions right.
    # The vote boxes are not: a vote changes them (the tally revision) and nothing else, so they are holes in
    # the cached page, filled for each request (consult.reading.vote_parts): a vote does not render the page again.
    # Which range is shown is in the key too, as the range's start (`from` is the only query a cached page may
    # carry, and only a range's start: the range is chosen after the version's paragraphs are read, so the key
    # holds what was asked for).
    asked_from = request.args.get("from", type=int)
    cacheable_query = set(request.args) <= {"from"} and ranges.is_start(asked_from)
    key = (
        "draft",
        block,
        draft.id,
        draft.revision,
        entitled,
        tuple(now < row.ends_at for row in draft.deadlines),
        int(now.timestamp() // 600) if draft.current_deadline else None,
        _range_hint(asked_from),
        reading,
    )
    page = cached_page(
        key,
        lambda: _render_draft(draft, voting, now, block, reading),
        enabled=not is_moderator(current_user),
        query_in_key=cacheable_query,
        fill=lambda names: _fill(draft, voting, entitled, now, names),
    )
    headers = {"Cache-Control": "private, no-store"} if current_user.is_authenticated else {}
    return page, 200, headers


def _fill(draft: Draft, voting: bool, entitled, now, names) -> dict[str, str]:
    """The draft page's holes for this request: the vote boxes (when voting) and, for a delegate, the
    organisation's own progress (consult.participation.progress: votes change it, the revision does not)."""
    parts = vote_parts.fill(draft, entitled, now, names) if voting else {}
    if progress.HOLE in names:
        parts.update(progress.fill(draft, current_user))
    return parts


def _range_hint(asked_from: int | None) -> int:
    """The range `?from=N` asks for, as far as the key needs it (ranges start at fixed §s)."""
    return ranges.start_of(asked_from or 1)


def _render_draft(draft: Draft, voting: bool, now, block: str = "page", reading: str | None = None) -> str:
    version, preparing = current_and_preparing(draft)
    texts = paragraph_rows(version) if version else []
    open_thread = None
    open_id = request.args.get("open", type=int) if block == "page" else None
    shown_range = ranges.choose(texts, request.args.get("from", type=int), open_id)
    shown = texts[shown_range.start : shown_range.stop]
    if open_id is not None:
        text = next((t for t in shown if t.paragraph_id == open_id), None)
        if text is not None:
            page = page_number()
            open_thread = thread_context(draft, text, page=page)
            check_not_beyond(page, len(open_thread["thread"].comments) + open_thread["thread"].has_more)
    shown_ids = None if shown_range.whole else [t.paragraph_id for t in shown]
    amendments = amendments_by_paragraph(current_user, draft.id)
    # The amendment round: the amendments put to the vote are the only questions open (in the text's order);
    # the paragraphs and the whole text come after the new version.
    amendment_round = voting and in_amendment_round(draft)
    paragraph_votes = voting and not amendment_round
    questions = [t.paragraph_id for t in shown if not is_heading(t.text)] if paragraph_votes else []
    # Grouped as they are voted: each alternatives set together, in its voting order, then the single ones.
    round_questions = (
        voting_groups(
            [
                (t, a)
                for t in texts
                for a in amendments.get(t.paragraph_id, ())
                if a.status == AmendmentStatus.PUT_TO_VOTE
            ],
            lambda row: (row[1].alternative_set_id, row[1].alternative_position, row[0].position, row[1].id),
        )
        if amendment_round and block == "page"
        else []
    )
    live = voting and live_session_active(draft.id)
    context = {
        "draft": draft,
        "version": version,
        "texts": shown,
        "range": shown_range,
        "open_thread": open_thread,
        "paragraphs_only": block == "paragraphs",
        "voting": voting,
        "counts": published_count_by_paragraph(draft.id, shown_ids),
        # Where each quoted passage stands, per paragraph (consult.reading.passages): highlighted by consult.js.
        "marks": passages.marks(shown, visible_quotes(current_user, draft.id, paragraph_ids=shown_ids)),
        "can_comment": can_comment(current_user, draft, now),
        "questions": set(questions),
        "paragraph_votes": paragraph_votes,
        "vote_hole": vote_parts.vote_hole,
        "vote_hole_feed": vote_parts.feed_hole(),
        "progress_hole": progress.hole() if block == "page" and speaks_for_member_organisation(current_user) else None,
        "amendment_round": amendment_round,
        "round_questions": round_questions,
        # A live session ends the online voting: its page takes the votes (consult.votes.live_gate).
        "live_session": live,
        "can_vote": can_vote(current_user, draft, now) and not live,
        "vb": vote_words(draft) if voting else None,
        "amendments": amendments,
        "supports": support_counts([a.id for items in amendments.values() for a in items]),
        "can_propose": can_propose(current_user, draft, now),
        "preparing": preparing if manages_versions(current_user) and block == "page" else None,
        "can_start_version": can_start_version(current_user, draft) if block == "page" else False,
        # A translation beside each German paragraph (consult.translations.reading); comments, amendments and
        # votes stay on the German one.
        **translation_reading.reading_context(version, reading),
    }
    if block == "paragraphs":
        return render_block("reading/draft.html", "paragraphs", **context)
    return render_template("reading/draft.html", **context)


@bp.route("/positions/<slug>")
@public
def position(slug: str):
    """The adopted position: the frozen text of an adopted draft, for everyone, signed in or not, and its
    documents once they are made. While they are made, the download block polls itself (htmx asks for
    the block alone; without JavaScript the page reloads itself)."""
    draft = get_by_slug(slug)
    if draft is None or draft.adopted_version_id is None:
        abort(404)
    documents = jobs.pick_up(draft)  # starts the job again when its process left it behind
    context = {
        "draft": draft,
        "state": documents.state.value if documents else DocumentsState.DONE.value,
        "can_retry": current_user.is_authenticated and current_user.has_role(Role.BOARD),
    }
    headers = {"Vary": "HX-Request"}
    if context["state"] in ("pending", "rendering"):
        headers["Cache-Control"] = "no-store"
    if htmx and not htmx.history_restore_request:
        return render_block("reading/position.html", "documents", **context), 200, headers
    version = db.session.get_one(Version, draft.adopted_version_id)
    return (
        render_template(
            "reading/position.html",
            version=version,
            texts=paragraph_rows(version),
            translated=exported_languages(version),
            **context,
        ),
        200,
        headers,
    )


from consult.reading import jump  # noqa: E402,F401  ("Zu § springen": its route on this blueprint)
