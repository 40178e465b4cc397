"""Adoption and export benchmark (issues 5 and 14): how long the board's adoption takes, how long until
the adopted position's documents are there, and how long each format takes to render.

    .venv/bin/python bench/export.py [--sizes 10:10,60:300,300:100] [--comments 5] [--organisations 100]
                                     [--repeat 1] [--profile 25]

For each size PARAGRAPHS:AMENDMENTS, seeds a scratch SQLite database in /tmp (bench/seed.py: a draft
of that many paragraphs, `--comments` comments per paragraph, every organisation's vote on every
question, the whole draft carried) and adds that many decided amendments (accepted, accepted in
modified form, rejected, merged; each with a justification and most with a reason). Then, as the
app runs (DOCUMENTS_IN_BACKGROUND on):

- `adopt`:      the board's adoption POST, request -> response (in-process test client, signed in);
- `documents`:  adopt-to-documents: from sending the adoption until the job says "done" (every
                stored format rendered in the background thread and written to the database);

and, `--repeat` times each (median), on the adopted position:

- `document`:   build_document(), the one document model (all SQL);
- `weasyprint`: WeasyPrint alone on the same HTML and stylesheet (HTML(string).write_pdf(),
                no fetcher): the reference of the PDF goal;
- `pdf`:        the whole PDF export, as the app runs it (document + template + WeasyPrint
                with the refusing fetcher);
- `docx`:       the whole DOCX export (document + python-docx);
- `changes`:    the change document (tracked changes), for information.

`--profile N` profiles one more run of the documents job (cProfile) and prints its N most
expensive functions (cumulative), to see where the time goes.

Goals: adopt < 2 s at the largest size; pdf <= 3 x weasyprint, docx < 1 s. Prints one line per
size and a summary; exits 1 with STRICT=1 when a goal is missed.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

BOARD_EMAIL, BOARD_PASSWORD = "bench-board@example.org", "bench board password 2026"


def add_amendments(slug: str, count: int, seed_value: int = 2026) -> None:
    """`count` decided amendments on random paragraphs of the draft, from random organisations."""
    from sqlalchemy import insert, select

    from consult.accounts.models import User
    from consult.amendments.models import Amendment, AmendmentKind, AmendmentStatus
    from consult.core.db import utcnow
    from consult.drafts.services import get_by_slug, is_heading
    from consult.extensions import db

    rng = random.Random(seed_value)
    draft = get_by_slug(slug)
    version = draft.versions[-1]
    texts = [t for t in version.texts if not is_heading(t.text)]
    users = db.session.scalars(select(User).where(User.organisation_id.is_not(None))).all()
    statuses = [
        AmendmentStatus.ACCEPTED,
        AmendmentStatus.ACCEPTED_MODIFIED,
        AmendmentStatus.REJECTED,
        AmendmentStatus.MERGED,
    ]
    rows = []
    for n in range(count):
        text, author, status = rng.choice(texts), rng.choice(users), statuses[n % len(statuses)]
        kind = AmendmentKind.DELETE if n % 10 == 9 else AmendmentKind.REPLACE
        proposed = (
            None
            if kind == AmendmentKind.DELETE
            else text.text.replace("verbindliche", "gesetzlich verankerte").replace(
                "dauerhafte", "auskömmliche, dauerhafte"
            )
        )
        rows.append(
            {
                "draft_id": draft.id,
                "paragraph_id": text.paragraph_id,
                "version_id": version.id,
                "kind": kind,
                "base_text": text.text,
                "proposed_text": proposed,
                "justification": "Die Formulierung „verbindlich“ reicht nicht: Beteiligung muss gesetzlich "
                "abgesichert sein – so wie es der Verband Şahin & Öztürk e.V. seit Jahren fordert.",
                "author_id": author.id,
                "organisation_id": author.organisation_id,
                "status": status,
                "decided_at": utcnow(),
                "decision_reason": None
                if status == AmendmentStatus.ACCEPTED
                else "Im Redaktionsausschuss beraten; die Mehrheit folgte dem Vorschlag in geänderter Form.",
                "adopted_text": proposed and proposed + " (geändert)"
                if status == AmendmentStatus.ACCEPTED_MODIFIED
                else None,
            }
        )
    db.session.execute(insert(Amendment), rows)
    db.session.commit()


def timed(repeat: int, work) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def prepare(slug: str, paragraphs: int, amendments: int, comments: int, organisations: int) -> None:
    """The draft in voting with its comments, votes and decided amendments; the whole draft carried; a
    board member who adopts it (inside an app context)."""
    from seed import seed
    from sqlalchemy import update

    from consult.accounts.models import Role
    from consult.accounts.services import create_user
    from consult.drafts.services import get_by_slug
    from consult.extensions import db
    from consult.votes.models import Choice, Vote

    seed(slug, paragraphs, comments, organisations, "voting")
    add_amendments(slug, amendments)
    draft = get_by_slug(slug)
    db.session.execute(
        update(Vote).where(Vote.draft_id == draft.id, Vote.paragraph_id.is_(None)).values(choice=Choice.YES)
    )
    create_user(BOARD_EMAIL, "Vorstand", BOARD_PASSWORD, [Role.BOARD], None)
    db.session.commit()


def adopt_and_wait(app, slug: str) -> tuple[float, float]:
    """The board's adoption through the app (signed in, the real POST); seconds until its answer, and
    until the documents job says "done"."""
    from consult.drafts.models import Draft
    from consult.drafts.services import get_by_slug
    from consult.exports.models import DocumentsState
    from consult.exports.storage import documents_of
    from consult.extensions import db

    client = app.test_client()
    signed_in = client.post("/login", data={"email": BOARD_EMAIL, "password": BOARD_PASSWORD})
    assert signed_in.status_code == 302, signed_in.status_code
    sent = time.perf_counter()
    response = client.post(f"/drafts/{slug}/phase", data={"to": "adopted", "from": "voting"})
    answered = time.perf_counter()
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    draft_id = get_by_slug(slug).id
    while True:
        db.session.rollback()  # a fresh read each time
        state = documents_of(db.session.get(Draft, draft_id)).state
        if state in (DocumentsState.DONE, DocumentsState.FAILED):
            break
        time.sleep(0.02)
    done = time.perf_counter()
    assert state == DocumentsState.DONE, state
    return answered - sent, done - sent


def profile_job(slug: str, top: int) -> str:
    """One more run of the documents job under cProfile: its `top` most expensive functions."""
    from consult.core.db import utcnow
    from consult.drafts.services import get_by_slug
    from consult.exports import jobs
    from consult.exports.storage import request_documents
    from consult.extensions import db

    draft = get_by_slug(slug)
    request_documents(draft, utcnow())
    db.session.commit()
    profiler = cProfile.Profile()
    profiler.enable()
    jobs.run(draft.id)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).sort_stats("cumulative")
    stats.print_stats(top)
    stats.print_stats(r"formats\.py|build_document|jobs\.py")  # the job's time, per format
    return out.getvalue()


def measure(size: str, args) -> dict:
    paragraphs, amendments = (int(n) for n in size.split(":"))
    scratch = tempfile.mkdtemp(prefix=f"consult-export-bench-{paragraphs}.")
    from flask_migrate import upgrade
    from weasyprint import CSS, HTML

    from consult import create_app
    from consult.drafts.services import get_by_slug
    from consult.exports.document import build_document
    from consult.exports.formats import FORMATS
    from consult.exports.page import render_page, stylesheet

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{scratch}/bench.sqlite",
            "REQUIRE_2FA": False,
            "RATELIMIT_ENABLED": False,
            "WTF_CSRF_ENABLED": False,
            "DOCUMENTS_IN_BACKGROUND": True,
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        }
    )
    slug = f"export-{paragraphs}"
    figures = {"size": f"{paragraphs} paragraphs, {amendments} amendments"}
    with app.app_context():
        upgrade(directory=str(Path(__file__).resolve().parent.parent / "migrations"))
        prepare(slug, paragraphs, amendments, args.comments * paragraphs, args.organisations)
        figures["adopt"], figures["documents"] = adopt_and_wait(app, slug)
        draft = get_by_slug(slug)
        with app.test_request_context(headers={"Accept-Language": "de"}):
            figures["document"], document = timed(args.repeat, lambda: build_document(draft))
            html, css = render_page(document), stylesheet()
            figures["weasyprint"], _ = timed(
                args.repeat, lambda: HTML(string=html).write_pdf(stylesheets=[CSS(string=css)])
            )
            figures["pdf"], _ = timed(args.repeat, lambda: FORMATS["pdf"].write(build_document(draft)))
            figures["docx"], _ = timed(args.repeat, lambda: FORMATS["docx"].write(build_document(draft)))
            figures["changes"], _ = timed(args.repeat, lambda: FORMATS["changes.docx"].write(build_document(draft)))
        if args.profile:
            print(
                f"# profile of the documents job, {figures['size']}:\n{profile_job(slug, args.profile)}",
                file=sys.stderr,
            )
    return figures


COLUMNS = ("adopt", "documents", "document", "weasyprint", "pdf", "docx", "changes")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10:10,60:300,300:100", help="PARAGRAPHS:AMENDMENTS, comma-separated")
    parser.add_argument("--comments", type=int, default=5, help="comments per paragraph")
    parser.add_argument("--organisations", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--profile", type=int, default=0, metavar="N")
    args = parser.parse_args()

    rows = []
    print(
        f"# {args.organisations} organisations voting on every question, {args.comments} comments per paragraph; "
        f"median of {args.repeat}; milliseconds"
    )
    print(f"{'size':<34}" + "".join(f"{c:>11}" for c in COLUMNS))
    for size in args.sizes.split(","):
        figures = measure(size.strip(), args)
        rows.append(figures)
        print(f"{figures['size']:<34}" + "".join(f"{figures[c] * 1000:11.0f}" for c in COLUMNS), flush=True)
    largest = rows[-1]
    adopt_ok = largest["adopt"] < 2
    ratio = largest["pdf"] / largest["weasyprint"]
    pdf_ok, docx_ok = ratio <= 3, largest["docx"] < 1
    print(
        f"adopt {largest['adopt']:.2f} s at {largest['size']} (goal < 2 s: {'met' if adopt_ok else 'MISSED'}); "
        f"documents there {largest['documents']:.1f} s after the request; "
        f"pdf / weasyprint = {ratio:.2f} (goal <= 3: {'met' if pdf_ok else 'MISSED'}); "
        f"docx {largest['docx']:.2f} s (goal < 1 s: {'met' if docx_ok else 'MISSED'})"
    )
    if os.environ.get("STRICT") == "1" and not (adopt_ok and pdf_ok and docx_ok):
        sys.exit(1)


if __name__ == "__main__":
    main()
