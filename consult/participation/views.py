"""The participation overview of a draft (table, heat map, CSV) and the reminders sent from it.

Board and moderators only (other signed-in people get 403, guests the sign-in page); a draft that does not exist
is a 404 (board and moderators see every draft that exists)."""

from __future__ import annotations

import csv
import io
from math import ceil

from flask import Blueprint, Response, abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from consult.accounts.forms import EmptyForm
from consult.core import clock
from consult.core.access import roles
from consult.core.pages import check_not_beyond, page_number
from consult.core.refusals import Refusal
from consult.drafts.models import Draft
from consult.drafts.services import visible_draft_or_404
from consult.exports.tables import safe_cell  # the one rule for cells a spreadsheet would run as formulas
from consult.extensions import db
from consult.mail.services import render_mail
from consult.participation import heatmap
from consult.participation.queries import PHASES, Overview, overview, overview_phase
from consult.participation.services import MAIL_TEMPLATE, mail_context, reminders_open, send_reminders

bp = Blueprint("participation", __name__)

OFFICE = ("board", "moderator")
PER_PAGE = 100  # organisations per page of the table and the heat map
SORTS = ("waiting", "name", "acted")


def _draft(slug: str) -> Draft:
    return visible_draft_or_404(slug, current_user)


def _sorted(data: Overview, sort: str) -> list:
    """The organisations in the order asked for: "waiting" (not responded first, then by name; the default),
    "name", or "acted" (last acted first, never acted last)."""
    rows = data.organisations  # by name already
    if sort == "name":
        return list(rows)
    if sort == "acted":
        when = {o.id: at for o in rows if (at := o.last_acted(data.phase)) is not None}
        acted = sorted((o for o in rows if o.id in when), key=lambda o: when[o.id], reverse=True)
        return acted + [o for o in rows if o.id not in when]
    return [o for o in rows if not o.responded] + [o for o in rows if o.responded]


@bp.route("/drafts/<slug>/participation")
@roles(*OFFICE)
def show(slug: str):
    """Who has responded in a phase of the draft (?phase=, default the current one): per active member
    organisation its comments per paragraph, amendments proposed and supported, questions voted on, when it
    last acted and was last reminded; as a table (?sort=) and a heat map of organisations × paragraphs,
    a page of PER_PAGE organisations at a time."""
    draft = _draft(slug)
    phase = overview_phase(draft, request.args.get("phase"))
    asked = request.args.get("sort", "")
    sort = asked if asked in SORTS else "waiting"
    data = overview(draft, phase)
    rows = _sorted(data, sort)
    page = page_number()
    pages = max(1, ceil(len(rows) / PER_PAGE))
    shown = rows[(page - 1) * PER_PAGE : page * PER_PAGE]
    check_not_beyond(page, len(shown))
    positions = {c.paragraph_id: c.position for c in data.columns}
    context = {
        "draft": draft,
        "data": data,
        "phase": phase,
        "phases": PHASES,
        "sort": sort,
        "sorts": SORTS,
        "rows": shown,
        "page": page,
        "pages": pages,
        "positions": positions,
        "filters": {"phase": phase.value, "sort": sort},
        "map": heatmap.build(data, shown),
        "can_remind": reminders_open(draft, clock.now()) and phase == draft.phase,
        "sections": lambda ids: ", ".join(f"§\u00a0{n}" for n in sorted(positions[p] for p in ids if p in positions)),
    }
    return render_template("participation/overview.html", **context), 200, {"Cache-Control": "private, no-store"}


@bp.route("/drafts/<slug>/participation.csv")
@roles(*OFFICE)
def csv_download(slug: str):
    """The overview's table as CSV (UTF-8 with BOM for spreadsheet programs), one row per organisation."""
    draft = _draft(slug)
    data = overview(draft, overview_phase(draft, request.args.get("phase")))
    positions = {c.paragraph_id: c.position for c in data.columns}
    return Response(
        _csv(data, positions),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="beteiligung-{draft.slug}-{data.phase.value}.csv"',
            "Cache-Control": "private, no-store",
        },
    )


def _sections(counts, positions) -> str:
    """The § numbers (current version) of the paragraphs in `counts`, in order ("§3 §7"); a paragraph no longer
    in the current version as "?"."""
    known = sorted(positions[p] for p in counts if p in positions)
    return " ".join(f"§{n}" for n in known) + (" ?" * sum(1 for p in counts if p not in positions))


def _csv(data: Overview, positions: dict[int, int]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(
        [
            "organisation",
            "short_name",
            "phase",
            "responded",
            "comments",
            "commented_paragraphs",
            "amendments_proposed",
            "amendments_supported",
            "votes",
            "voted_paragraphs",
            "voted_whole_text",
            "voted_amendments",
            "last_acted",
            "last_reminded",
        ]
    )
    for org in data.organisations:
        last = org.last_acted(data.phase)
        voted = {p: n for p, n in org.votes.items() if p is not None}
        writer.writerow(
            [
                safe_cell(cell)
                for cell in (
                    org.name,
                    org.short_name,
                    data.phase.value,
                    "yes" if org.responded else "no",
                    org.comment_count,
                    _sections(org.comments, positions),
                    " ".join(str(i) for i in org.proposed_ids),
                    " ".join(str(i) for i in org.supported_ids),
                    org.vote_count,
                    _sections(voted, positions),
                    "yes" if None in org.votes else "no",
                    " ".join(str(i) for i in org.voted_amendments),
                    last.isoformat() if last else "",
                    org.last_reminded.isoformat() if org.last_reminded else "",
                )
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _chosen(data: Overview, ids: set[int]) -> list:
    """The active member organisations among `ids`, by name."""
    return [o for o in data.organisations if o.id in ids]


@bp.route("/drafts/<slug>/participation/reminder", methods=["GET", "POST"])
@roles(*OFFICE)
def reminder(slug: str):
    """GET: the preview of the reminder to the organisations chosen on the overview (?organisation=…, or
    ?all=1: every one that has not responded), in German, with the note that each person gets it in their
    own language. POST ("Erinnerung senden"): send it (`send_reminders`), then say who was reminded and who
    was skipped because they got one today already."""
    draft = _draft(slug)
    now = clock.now()
    if not reminders_open(draft, now):
        return _preview(draft, [], _("Reminders can be sent only while the draft is open for comments or votes."), 409)
    data = overview(draft, draft.phase)
    source = request.form if request.method == "POST" else request.args
    if source.get("all"):
        chosen = data.not_responded
    else:
        asked = set(source.getlist("organisation", type=int))
        chosen = _chosen(data, asked)
        if len(chosen) != len(asked):  # an organisation that is no active member (any more): say so, send nothing
            return _preview(draft, chosen, _("Reminders go only to active member organisations."), 422)
    if request.method == "GET":
        if not chosen:
            return _preview(draft, [], _("Please choose at least one organisation."), 422)
        return _preview(draft, chosen)
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    if not chosen:
        return _preview(draft, [], _("Please choose at least one organisation."), 422)
    try:
        run = send_reminders(current_user, draft, [o.id for o in chosen], now)
    except Refusal as refusal:
        db.session.rollback()
        return _preview(draft, chosen, str(refusal.message), refusal.status)
    db.session.commit()
    return (
        render_template(
            "participation/sent.html", draft=draft, run=run, back=url_for("participation.show", slug=draft.slug)
        ),
        200,
        {"Cache-Control": "private, no-store"},
    )


def _preview(draft: Draft, chosen: list, error: str | None = None, status: int = 200):
    subject = body = None
    if chosen:
        subject, body = render_mail(MAIL_TEMPLATE, "de", **mail_context(draft, chosen[0].name))
    return (
        render_template(
            "participation/preview.html",
            draft=draft,
            chosen=chosen,
            subject=subject,
            body=body,
            error=error,
            form=EmptyForm(),
        ),
        status,
        {"Cache-Control": "private, no-store"},
    )
