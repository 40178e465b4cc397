"""Seed a benchmark draft through the app's models, in one transaction.

    python bench/seed.py [--slug bench] [--paragraphs 200] [--comments 2000]
                         [--organisations 100] [--phase voting]

Uses the database of `create_app()` (DATABASE_URL, else the instance folder's
SQLite file; run `flask db upgrade` first). Creates:

- `--organisations` member organisations with one delegate each
  (bench-delegate-N@example.org, password BENCH_PASSWORD); delegate 1 is the
  one the benchmark signs in as;
- a public draft `--slug` of `--paragraphs` paragraphs (a heading every 20),
  in phase `--phase`;
- `--comments` comments spread unevenly over the paragraphs: about 30 % replies,
  40 % of the top-level ones on a quoted passage (with prefix and suffix as the
  app stores them), a few held for moderation or withdrawn;
- in the voting phase (and after), every organisation's vote on every paragraph and on the whole draft (and one
  history row per vote), so the tallies are full and each vote POST replaces an
  existing vote, like the reference `vote_app` (100 organisations x 200 paragraphs).

Prints one JSON line: {"slug", "email", "password", "paragraph_ids" (those put to the vote), "seconds"}.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

BENCH_PASSWORD = "bench password 2026"
HASH_METHOD = "pbkdf2:sha256:1000"  # seeding speed only; sign-in reads the method from the hash

BODIES = [
    "Wir *unterstützen* diesen Absatz ausdrücklich.",
    "Hier fehlt ein Verweis auf die Strukturförderung der **Landesverbände**.",
    "Bitte präzisieren:\n\n- wer ist beteiligt?\n- bis wann?\n- mit welchen Mitteln?",
    "Siehe dazu unsere [Stellungnahme](https://example.org/stellungnahme) vom Frühjahr.",
    "Der Begriff „verbindlich“ sollte rechtlich abgesichert werden, sonst bleibt es bei Absichtserklärungen.",
    "Zustimmung, mit einer Anmerkung zur Finanzierung in den Kommunen.",
    "Wir schlagen vor, die Frist auf *sechs Monate* zu verlängern.",
    "Das widerspricht § 3 des Entwurfs; bitte angleichen.",
]
REPLIES = [
    "Danke, das sehen wir genauso.",
    "Wir sind anderer Meinung: die Formulierung reicht aus.",
    "Könnt ihr das mit einem Beispiel belegen?",
    "Guter Punkt, wir unterstützen die Änderung.",
]


def markdown(paragraphs: int) -> str:
    blocks = []
    for i in range(1, paragraphs + 1):
        if i % 20 == 1:
            blocks.append(f"## Abschnitt {i // 20 + 1}")
        else:
            blocks.append(
                f"Absatz {i}: Die Mitgliedsorganisationen fordern eine *verbindliche* Beteiligung "
                "an allen Gesetzgebungsverfahren, die Menschen aus Einwandererfamilien betreffen, "
                "sowie eine dauerhafte Strukturförderung ihrer Verbände in Bund, Ländern und Kommunen."
            )
    return "\n\n".join(blocks) + "\n"


def seed(
    slug: str = "bench",
    paragraphs: int = 200,
    comments: int = 2000,
    organisations: int = 100,
    phase: str = "voting",
    seed_value: int = 2026,
) -> dict:
    """Fill the current app's database (inside an app context); commit once."""
    from sqlalchemy import insert
    from werkzeug.security import generate_password_hash

    from consult.accounts.models import Role, User, UserRole
    from consult.comments.models import Comment, CommentStatus, Stance
    from consult.comments.services import locate_quote
    from consult.core.db import utcnow
    from consult.core.markdown import plain_text, render_comment
    from consult.drafts.models import Phase
    from consult.drafts.services import import_draft, is_heading
    from consult.extensions import db
    from consult.organisations.models import Organisation
    from consult.votes.models import Choice, Vote, VoteCast

    started = time.perf_counter()
    rng = random.Random(seed_value)
    password_hash = generate_password_hash(BENCH_PASSWORD, method=HASH_METHOD)

    orgs = [
        Organisation(name=f"Benchmark-Verein {n} e.V.", short_name=f"BV{n}", state="Berlin")
        for n in range(1, organisations + 1)
    ]
    db.session.add_all(orgs)
    db.session.flush()
    users = [
        User(
            email=f"bench-delegate-{n}@example.org",
            name=f"Delegierte {n}",
            password_hash=password_hash,
            organisation_id=org.id,
        )
        for n, org in enumerate(orgs, start=1)
    ]
    db.session.add_all(users)
    db.session.flush()
    if users:
        db.session.execute(insert(UserRole), [{"user_id": u.id, "role": Role.DELEGATE} for u in users])

    draft = import_draft(markdown(paragraphs), "Benchmark-Entwurf", slug)
    draft.phase = Phase(phase)
    draft.is_public = True
    db.session.flush()
    texts = list(draft.versions[0].texts)
    version_id = draft.versions[0].id
    plains = {t.paragraph_id: plain_text(t.text) for t in texts}

    rendered = {body: render_comment(body) for body in BODIES + REPLIES}
    # Uneven spread: some paragraphs draw many comments, most a few.
    weights = [rng.paretovariate(1.5) for _ in texts]
    base = utcnow() - timedelta(days=20)
    top_level: dict[int, list[int]] = {}
    n_replies = int(comments * 0.3)
    rows = []
    for i in range(comments - n_replies):
        text = rng.choices(texts, weights)[0]
        author = rng.choice(users)
        body = rng.choice(BODIES)
        row = {
            "paragraph_id": text.paragraph_id,
            "version_id": version_id,
            "author_id": author.id,
            "organisation_id": author.organisation_id,
            "stance": rng.choice(list(Stance)),
            "body": body,
            "body_html": rendered[body],
            "status": CommentStatus.PUBLISHED,
            "created_at": base + timedelta(minutes=7 * i),
            "quote_exact": None,
            "quote_prefix": None,
            "quote_suffix": None,
        }
        if rng.random() < 0.4:
            words = plains[text.paragraph_id].split()
            start = rng.randrange(0, max(1, len(words) - 6))
            exact, prefix, suffix = locate_quote(text.text, " ".join(words[start : start + rng.randint(2, 6)]))
            row.update(quote_exact=exact, quote_prefix=prefix, quote_suffix=suffix)
        roll = rng.random()
        if roll < 0.02:
            row["status"] = CommentStatus.PENDING
        elif roll < 0.03:
            row["status"] = CommentStatus.WITHDRAWN
        rows.append(row)
    ids = (
        db.session.scalars(insert(Comment).returning(Comment.id, sort_by_parameter_order=True), rows).all()
        if rows
        else []
    )
    for row, comment_id in zip(rows, ids, strict=True):
        if row["status"] == CommentStatus.PUBLISHED:
            top_level.setdefault(row["paragraph_id"], []).append(comment_id)
    parents = [(pid, cid) for pid, cids in top_level.items() for cid in cids]
    replies = []
    for i in range(n_replies):
        paragraph_id, parent_id = rng.choice(parents)
        author = rng.choice(users)
        body = rng.choice(REPLIES)
        replies.append(
            {
                "paragraph_id": paragraph_id,
                "version_id": version_id,
                "parent_id": parent_id,
                "author_id": author.id,
                "organisation_id": author.organisation_id,
                "stance": Stance.NEUTRAL,
                "body": body,
                "body_html": rendered[body],
                "status": CommentStatus.PUBLISHED,
                "created_at": base + timedelta(days=10, minutes=5 * i),
            }
        )
    if replies:
        db.session.execute(insert(Comment), replies)

    votes = []
    # Votes only where the draft shows them (voting and after): a commenting draft of 1,000 paragraphs
    # would otherwise seed 100,000 votes nobody sees.
    voters = zip(orgs, users, strict=True) if phase in ("voting", "adopted", "archived") else ()
    for org, delegate in voters:
        for question in [t.paragraph_id for t in texts] + [None]:
            votes.append(
                {
                    "draft_id": draft.id,
                    "paragraph_id": question,
                    "organisation_id": org.id,
                    "choice": rng.choice(list(Choice)),
                    "cast_by_id": delegate.id,
                    "cast_at": base + timedelta(days=15),
                }
            )
    if votes:
        db.session.execute(insert(Vote), votes)
        db.session.execute(insert(VoteCast), votes)
    db.session.commit()
    return {
        "slug": slug,
        "email": users[0].email if users else None,
        "password": BENCH_PASSWORD,
        # Headings are not put to the vote: the vote POST picks among the others.
        "paragraph_ids": [t.paragraph_id for t in texts if not is_heading(t.text)],
        "seconds": round(time.perf_counter() - started, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--slug", default="bench")
    parser.add_argument("--paragraphs", type=int, default=200)
    parser.add_argument("--comments", type=int, default=2000)
    parser.add_argument("--organisations", type=int, default=100)
    parser.add_argument("--phase", default="voting")
    args = parser.parse_args()

    from consult import create_app

    app = create_app()
    with app.app_context():
        info = seed(args.slug, args.paragraphs, args.comments, args.organisations, args.phase)
    print(json.dumps(info))


if __name__ == "__main__":
    main()
