"""Fill an empty database with the demo: organisations, people, two drafts, comments and votes."""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TypedDict

from sqlalchemy import func, select

from consult.accounts.models import Role, User
from consult.accounts.services import create_user
from consult.amendments.models import AmendmentKind
from consult.comments.models import Comment, CommentStatus, Stance
from consult.comments.services import locate_quote
from consult.core.db import utcnow
from consult.core.markdown import render_comment
from consult.demo import content
from consult.drafts.models import Draft, DraftDeadline, Phase
from consult.drafts.services import import_draft, is_heading
from consult.extensions import db
from consult.organisations.models import Organisation
from consult.organisations.services import create_organisation
from consult.votes.models import Choice, Vote
from consult.workspace.models import (
    InternalAgreement,
    InternalAuthor,
    InternalDraft,
    InternalKind,
    InternalNote,
    InternalStatus,
)

HERE = Path(__file__).resolve().parent
DEMO_PASSWORD = "konsultation-demo"
DOMAIN = "demo.bundeskonferenz.example"


class DraftSpec(TypedDict):
    slug: str
    file: str  # the Markdown next to this module
    phase: Phase
    title: str
    public: bool
    deadline_days: int  # the current phase's deadline, in days from the seeding


DRAFTS: list[DraftSpec] = [
    {
        "slug": "participation-law",
        "file": "participation-law.md",
        "phase": Phase.COMMENTING,
        "title": "Für ein Bundespartizipationsgesetz",
        "public": True,
        "deadline_days": 9,
    },
    {
        "slug": "diversity-council",
        "file": "diversity-council.md",
        "phase": Phase.VOTING,
        "title": "Ein Rat für die Gestaltung der Einwanderungsgesellschaft",
        "public": False,
        "deadline_days": 4,
    },
]


class DemoError(RuntimeError):
    """The demo cannot be seeded (the database already holds data)."""


@dataclass
class DemoSummary:
    organisations: int = 0
    people: int = 0
    drafts: int = 0
    comments: int = 0
    votes: int = 0
    sign_ins: list[tuple[str, str, str]] = field(default_factory=list)  # (role, name, e-mail)


def database_is_empty() -> bool:
    tables = (Organisation, User, Draft)
    return all(db.session.scalar(select(func.count()).select_from(t)) == 0 for t in tables)


def _ascii(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.replace("ß", "ss").replace("ı", "i").replace("đ", "d"))
    return "".join(c for c in decomposed if c.isascii() and (c.isalnum() or c in " -")).lower()


def demo_email(name: str, short_name: str | None = None) -> str:
    local = ".".join(_ascii(name).replace("-", " ").split())
    return f"{local}@{short_name.lower()}.{DOMAIN}" if short_name else f"{local}@{DOMAIN}"


def sign_ins() -> list[tuple[str, str, str]]:
    """The demo accounts to print: the staff, and the delegates of the first two organisations."""
    rows = [(role, name, demo_email(name)) for role, name in content.STAFF.items()]
    for org in content.ORGANISATIONS[:2]:
        for name in content.DELEGATES[org["short_name"]]:
            rows.append((f"delegate {org['short_name']}", name, demo_email(name, org["short_name"])))
    return rows


def seed_demo(password: str = DEMO_PASSWORD, rng_seed: int = 2026) -> DemoSummary:
    """Create the demo in an empty database; refuses (DemoError) if any organisation, person or draft exists."""
    if not database_is_empty():
        raise DemoError("the database already holds data; the demo is only seeded into an empty database")
    summary = DemoSummary()
    organisations = {}
    delegates: dict[str, list[User]] = {}
    for row in content.ORGANISATIONS:
        org = create_organisation(row["name"], row["short_name"], row["state"])
        organisations[org.short_name] = org
        delegates[org.short_name] = [
            create_user(demo_email(name, org.short_name), name, password, [Role.DELEGATE], org)
            for name in content.DELEGATES[org.short_name]
        ]
    for role, name in content.STAFF.items():
        create_user(demo_email(name), name, password, [Role(role)])
    summary.organisations = len(organisations)
    summary.people = sum(len(v) for v in delegates.values()) + len(content.STAFF)

    now = utcnow()
    drafts = {}
    for draft_spec in DRAFTS:
        markdown = (HERE / draft_spec["file"]).read_text(encoding="utf-8")
        draft = import_draft(markdown, draft_spec["title"], draft_spec["slug"])
        draft.phase = draft_spec["phase"]
        draft.is_public = draft_spec["public"]
        draft.deadlines.append(
            DraftDeadline(phase=draft_spec["phase"], ends_at=now + timedelta(days=draft_spec["deadline_days"]))
        )
        drafts[draft_spec["slug"]] = draft
    summary.drafts = len(drafts)

    minutes = 0
    for spec in content.COMMENTS:
        draft = drafts[spec["draft"]]
        version = draft.versions[0]
        text = version.texts[spec["paragraph"] - 1]
        short, index = spec["author"]
        author = delegates[short][index]
        comment = Comment(
            paragraph=text.paragraph,
            version=version,
            author=author,
            organisation=author.organisation,
            stance=Stance(spec["stance"]),
            body=spec["body"],
            body_html=render_comment(spec["body"]),
            status=CommentStatus.PUBLISHED,
            created_at=now - timedelta(days=3) + timedelta(minutes=minutes),
        )
        quote = spec.get("quote")
        if quote:
            comment.quote_exact, comment.quote_prefix, comment.quote_suffix = locate_quote(text.text, quote)
        db.session.add(comment)
        summary.comments += 1
        for reply_spec in spec.get("replies", []):
            minutes += 37
            r_short, r_index = reply_spec["author"]
            reply_author = delegates[r_short][r_index]
            db.session.add(
                Comment(
                    paragraph=text.paragraph,
                    version=version,
                    parent=comment,
                    author=reply_author,
                    organisation=reply_author.organisation,
                    stance=Stance(reply_spec["stance"]),
                    body=reply_spec["body"],
                    body_html=render_comment(reply_spec["body"]),
                    status=CommentStatus.PUBLISHED,
                    created_at=comment.created_at + timedelta(minutes=minutes),
                )
            )
            summary.comments += 1
        minutes += 53

    summary.votes = _seed_votes(drafts["diversity-council"], organisations, delegates, random.Random(rng_seed))
    _seed_internal_drafts(drafts, delegates, now)
    db.session.flush()
    summary.sign_ins = sign_ins()
    return summary


def _seed_internal_drafts(drafts: dict, delegates: dict, now) -> None:
    """An organisation's internal amendment (consult.workspace) with its first author's agreement and a
    colleague's internal comment, so that the demo shows the workspace (sign in as the colleague to agree)."""
    for spec in content.INTERNAL_DRAFTS:
        draft = drafts[spec["draft"]]
        version = draft.versions[0]
        text = version.texts[spec["paragraph"] - 1]
        short, index = spec["author"]
        author = delegates[short][index]
        old, new = spec["replace"]
        internal = InternalDraft(
            organisation=author.organisation,
            draft=draft,
            paragraph=text.paragraph,
            version=version,
            kind=InternalKind.AMENDMENT,
            amendment_kind=AmendmentKind.REPLACE,
            proposed_text=text.text.replace(old, new),
            justification=spec["justification"],
            text_revision=1,
            status=InternalStatus.OPEN,
            created_by=author,
            created_at=now - timedelta(hours=20),
        )
        internal.authors.append(InternalAuthor(user=author, position=0))
        internal.agreements.append(InternalAgreement(user=author, text_revision=1, created_at=internal.created_at))
        for n, note in enumerate(spec["notes"]):
            n_short, n_index = note["author"]
            internal.notes.append(
                InternalNote(
                    author=delegates[n_short][n_index],
                    body=note["body"],
                    body_html=render_comment(note["body"]),
                    created_at=internal.created_at + timedelta(hours=2 + n),
                )
            )
        db.session.add(internal)


def _seed_votes(draft: Draft, organisations: dict, delegates: dict, rng: random.Random) -> int:
    """About two thirds of the organisations have voted on the voting draft's paragraphs and on the whole."""
    texts = draft.versions[0].texts
    voters = list(organisations)[: (len(organisations) * 2) // 3]
    weights = [Choice.YES] * 6 + [Choice.NO] * 2 + [Choice.ABSTAIN] * 2
    count = 0
    for short in voters:
        delegate = delegates[short][0]
        for text in texts:
            if is_heading(text.text):
                continue
            db.session.add(
                Vote(
                    draft=draft,
                    paragraph=text.paragraph,
                    organisation=organisations[short],
                    choice=rng.choice(weights),
                    cast_by=delegate,
                    cast_at=utcnow() - timedelta(hours=rng.randint(1, 48)),
                )
            )
            count += 1
        db.session.add(
            Vote(
                draft=draft,
                paragraph=None,
                organisation=organisations[short],
                choice=rng.choice(weights),
                cast_by=delegate,
                cast_at=utcnow(),
            )
        )
        count += 1
    return count
