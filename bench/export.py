"""Export benchmark (issue 5): how long the adopted position's PDF and DOCX take.

    .venv/bin/python bench/export.py [--paragraphs 300] [--amendments 100] [--comments 2000]
                                     [--organisations 100] [--repeat 3]

Seeds a scratch SQLite database in /tmp (bench/seed.py: a draft of `--paragraphs`
paragraphs, `--comments` comments, every organisation's vote on every question) and
adds `--amendments` decided amendments (accepted, accepted in modified form, rejected,
merged; each with a justification and most with a reason), then marks the draft
adopted. It then times, `--repeat` times each, and prints the median:

- `document`:   build_document(), the one document model (all SQL);
- `weasyprint`: WeasyPrint alone on the same HTML and stylesheet (HTML(string).write_pdf(),
                no fetcher): the reference of the PDF goal;
- `pdf`:        the whole PDF export, as the app runs it (document + template + WeasyPrint
                with the refusing fetcher);
- `docx`:       the whole DOCX export (document + python-docx);
- `changes`:    the change document (tracked changes), for information;
- `store`:      what adoption adds: every stored format rendered and written to the database.

Goals: pdf <= 3 x weasyprint, docx < 1 s. Prints one line per figure and a summary;
exits 1 with STRICT=1 when a goal is missed.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))


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
    statuses = [AmendmentStatus.ACCEPTED, AmendmentStatus.ACCEPTED_MODIFIED, AmendmentStatus.REJECTED,
                AmendmentStatus.MERGED]
    rows = []
    for n in range(count):
        text, author, status = rng.choice(texts), rng.choice(users), statuses[n % len(statuses)]
        kind = AmendmentKind.DELETE if n % 10 == 9 else AmendmentKind.REPLACE
        proposed = None if kind == AmendmentKind.DELETE else text.text.replace(
            "verbindliche", "gesetzlich verankerte").replace("dauerhafte", "auskömmliche, dauerhafte")
        rows.append({
            "draft_id": draft.id, "paragraph_id": text.paragraph_id, "version_id": version.id, "kind": kind,
            "base_text": text.text, "proposed_text": proposed,
            "justification": "Die Formulierung „verbindlich“ reicht nicht: Beteiligung muss gesetzlich "
                             "abgesichert sein – so wie es der Verband Şahin & Öztürk e.V. seit Jahren fordert.",
            "author_id": author.id, "organisation_id": author.organisation_id, "status": status,
            "decided_at": utcnow(), "decision_reason": None if status == AmendmentStatus.ACCEPTED else
            "Im Redaktionsausschuss beraten; die Mehrheit folgte dem Vorschlag in geänderter Form.",
            "adopted_text": proposed and proposed + " (geändert)" if status == AmendmentStatus.ACCEPTED_MODIFIED
            else None,
        })
    db.session.execute(insert(Amendment), rows)
    db.session.commit()


def timed(repeat: int, work) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--paragraphs", type=int, default=300)
    parser.add_argument("--amendments", type=int, default=100)
    parser.add_argument("--comments", type=int, default=2000)
    parser.add_argument("--organisations", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    scratch = tempfile.mkdtemp(prefix="consult-export-bench.")
    os.environ["CONSULT_INSTANCE_PATH"] = scratch
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{scratch}/bench.sqlite")
    from flask_migrate import upgrade
    from weasyprint import CSS, HTML

    from consult import create_app
    from consult.drafts.models import Phase
    from consult.drafts.services import get_by_slug
    from consult.exports.document import build_document
    from consult.exports.formats import FORMATS
    from consult.exports.page import render_page, stylesheet
    from consult.exports.storage import store_position_files
    from consult.extensions import db
    from seed import seed

    app = create_app()
    with app.app_context():
        upgrade(directory=str(Path(__file__).resolve().parent.parent / "migrations"))
        seed("export", args.paragraphs, args.comments, args.organisations, "voting")
        add_amendments("export", args.amendments)
        draft = get_by_slug("export")
        draft.adopted_version_id, draft.adopted_at, draft.phase = draft.versions[-1].id, draft.created_at, Phase.ADOPTED
        db.session.commit()
        print(f"# {args.paragraphs} paragraphs, {args.amendments} amendments, {args.comments} comments, "
              f"{args.organisations} organisations; median of {args.repeat}; database {scratch}", file=sys.stderr)

        with app.test_request_context(headers={"Accept-Language": "de"}):
            figures = {}
            figures["document"], document = timed(args.repeat, lambda: build_document(draft))
            html = render_page(document)
            css = stylesheet()
            figures["weasyprint"], reference = timed(
                args.repeat, lambda: HTML(string=html).write_pdf(stylesheets=[CSS(string=css)]))
            figures["pdf"], pdf = timed(args.repeat, lambda: FORMATS["pdf"].write(build_document(draft)))
            figures["docx"], word = timed(args.repeat, lambda: FORMATS["docx"].write(build_document(draft)))
            figures["changes"], _ = timed(args.repeat, lambda: FORMATS["changes.docx"].write(build_document(draft)))

            def store():
                store_position_files(draft)
                db.session.rollback()
            figures["store"], _ = timed(1, store)

    for name, seconds in figures.items():
        print(f"{name:<11} {seconds * 1000:8.0f} ms")
    print(f"# pdf {len(pdf) // 1024} KB ({len(reference) // 1024} KB from WeasyPrint alone), "
          f"docx {len(word) // 1024} KB, HTML {len(html) // 1024} KB", file=sys.stderr)
    ratio = figures["pdf"] / figures["weasyprint"]
    pdf_ok, docx_ok = ratio <= 3, figures["docx"] < 1
    print(f"pdf / weasyprint = {ratio:.2f} (goal <= 3: {'met' if pdf_ok else 'MISSED'}); "
          f"docx {figures['docx']:.2f} s (goal < 1 s: {'met' if docx_ok else 'MISSED'})")
    if os.environ.get("STRICT") == "1" and not (pdf_ok and docx_ok):
        sys.exit(1)


if __name__ == "__main__":
    main()
