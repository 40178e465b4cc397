"""Content that makes the phone pages full: comments held for moderation (one with a long quote and a long word),
an amendment waiting for its decision, a report and a rejected comment, so that the moderation queue and the audit
log have rows with real text, and a failed e-mail with a long address and link for the outbox. Used by
tests/browser/test_phones.py on top of the demo."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select

from consult.accounts.models import User
from consult.amendments.models import AmendmentKind
from consult.amendments.services import propose
from consult.comments.models import Stance
from consult.comments.services import post_comment
from consult.drafts.models import Draft, ModerationPolicy
from consult.drafts.services import current_version, paragraph_texts
from consult.extensions import db
from consult.mail.models import OutboxMessage
from consult.moderation.services import decide_comment, report

DRAFT_SLUG = "participation-law"
LONG_WORD = "Bundespartizipationsgesetzesnovellierungsvorschlag"


def fill_queue() -> dict[str, int]:
    """Hold the demo draft's comments for moderation, then post, propose and report (committed). Returns the ids
    the pages need: the commented paragraph, the amendment, a delegate and an organisation."""
    now = datetime.now(timezone.utc)
    draft = db.session.scalar(select(Draft).where(Draft.slug == DRAFT_SLUG))
    delegates = db.session.scalars(select(User).where(User.email.like("%@ieb.demo.%")).order_by(User.id)).all()
    texts = paragraph_texts(current_version(draft))
    text = next(t for t in texts if len(t.text) > 200)
    published = post_comment(
        delegates[0],
        draft,
        text,
        f"Der {LONG_WORD} fehlt hier ganz. " * 3,
        Stance.CONCERN,
        now,
        quote=text.text[:120],
        quote_start=0,
    )
    draft.moderation_policy = ModerationPolicy.HOLD
    post_comment(
        delegates[1],
        draft,
        text,
        "Bitte genauer: wer entscheidet, und bis wann? " * 4,
        Stance.SUPPORT,
        now,
        quote=text.text[40:200],
        quote_start=40,
    )
    post_comment(delegates[0], draft, texts[1], f"Ein {LONG_WORD}.", None, now)
    rejected = post_comment(delegates[0], draft, texts[1], "Doppelt gepostet.", None, now)
    moderator = db.session.scalar(select(User).where(User.email == "leyla.hoffmann@demo.bundeskonferenz.example"))
    decide_comment(moderator, rejected, draft, "reject", f"Doppelt: siehe den Kommentar zum {LONG_WORD}.", now)
    amendment = propose(
        delegates[1],
        draft,
        text,
        AmendmentKind.REPLACE,
        text.text + " Das gilt auch für Beiräte.",
        "Damit die Beiräte nicht vergessen werden. " * 3,
        now,
    )
    report(delegates[1], draft, "Das ist beleidigend formuliert und gehört nicht hierher.", now, comment=published)
    # /admin/outbox: a message with a long address, a long link and an error.
    db.session.add(
        OutboxMessage(
            recipient=f"{LONG_WORD.lower()}@ieb.demo.bundeskonferenz.example",
            template="invitation",
            subject=f"Einladung zum {LONG_WORD}",
            attempts=1,
            body=f"Bitte öffnen Sie: https://beteiligung.example/invitations/accept/{'x' * 80}\n",
            last_error="SMTPRecipientsRefused: {'" + LONG_WORD + "': (550, b'5.1.1 unknown')}",
        )
    )
    ids = {
        "paragraph": text.paragraph_id,
        "amendment": amendment.id,
        "person": delegates[0].id,
        "organisation": delegates[0].organisation_id,
    }
    db.session.commit()
    return ids
