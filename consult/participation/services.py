"""Reminders to member organisations that have not responded: sent by the office, or automatically before a deadline.

At most one reminder per organisation and draft per calendar day (Europe/Berlin), whatever is clicked and however
many processes send at once: the unique constraint of `reminder` is the rule. Each organisation's row is inserted
in a savepoint; a refused insert means "already reminded today" (on PostgreSQL a parallel request waits for the
first one's commit, then is refused), and only the request whose row went in writes the mails, in the same
transaction. Services never commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, or_, select
from sqlalchemy.exc import IntegrityError

from consult.accounts.models import Role, User, UserRole
from consult.audit.services import record
from consult.core.refusals import InvalidInput, NotAllowed, PhaseClosed
from consult.drafts.locks import lock_open_draft
from consult.drafts.models import Draft, DraftDeadline
from consult.drafts.permissions import phase_is_open
from consult.extensions import db
from consult.mail.services import absolute_url, links_for_mail, queue_mail
from consult.organisations.models import Organisation
from consult.participation.models import Reminder
from consult.participation.queries import REMINDER_PHASES, not_responded_ids, sort_key

BERLIN = ZoneInfo("Europe/Berlin")
MAIL_TEMPLATE = "reminder"
CLOSED = _l("Reminders can be sent only while the draft is open for comments or votes.")


def berlin_day(now: datetime) -> date:
    """The calendar day in Berlin at `now`: the day of the once-a-day rule."""
    return now.astimezone(BERLIN).date()


def can_send_reminders(user) -> bool:
    """The office (moderators) and the board remind organisations."""
    return user.is_authenticated and user.has_role(Role.BOARD, Role.MODERATOR)


def reminders_open(draft: Draft, now: datetime) -> bool:
    """A draft in commenting or voting whose deadline (if any) has not passed: there is something to remind of."""
    return draft.phase in REMINDER_PHASES and phase_is_open(draft, draft.phase, now)


@dataclass
class ReminderRun:
    """What one sending did: the organisations reminded now, those skipped (reminded today already), the mails."""

    reminded: list[Organisation] = field(default_factory=list)
    skipped: list[Organisation] = field(default_factory=list)
    mails: int = 0


def recipients(organisation_id: int) -> list[User]:
    """The organisation's contact persons and delegates with an active account (one query)."""
    is_delegate = exists().where(UserRole.user_id == User.id, UserRole.role == Role.DELEGATE)
    return list(
        db.session.scalars(
            select(User)
            .where(
                User.organisation_id == organisation_id,
                User.is_active_account.is_(True),
                or_(User.is_contact_person.is_(True), is_delegate),
            )
            .order_by(User.id)
        )
    )


def mail_context(draft: Draft, organisation_name: str) -> dict:
    """What the reminder's template names: the draft, its phase and deadline, the link, the organisation."""
    return {
        "draft_title": draft.title,
        "phase": draft.phase.value,
        "deadline": draft.current_deadline,
        "organisation": organisation_name,
        "link": absolute_url("reading.draft", slug=draft.slug),
    }


def send_reminders(user, draft: Draft, organisation_ids, now: datetime, *, automatic: bool = False) -> ReminderRun:
    """Remind each of the organisations `organisation_ids` (active members) about `draft`: a `Reminder` row and a
    mail to each of its contact persons and delegates in their own language (`User.locale`).

    Refuses people who are not the office or the board (`user` None: the automatic reminder), a draft outside
    commenting and voting or past its deadline, and an empty or unknown choice of organisations. An
    organisation reminded about this draft today (Europe/Berlin) already is skipped; see the module's rule.
    Writes one audit row for the whole run."""
    if not automatic and not can_send_reminders(user):
        raise NotAllowed(_l("Only the office and the board send reminders."))
    if not reminders_open(draft, now):
        raise PhaseClosed(CLOSED)
    wanted = {int(i) for i in organisation_ids}
    if not wanted:
        raise InvalidInput(_l("Please choose at least one organisation."))
    organisations = list(
        db.session.scalars(
            select(Organisation).where(
                Organisation.id.in_(wanted), Organisation.is_member.is_(True), Organisation.is_active.is_(True)
            )
        )
    )
    if len(organisations) != len(wanted):
        raise InvalidInput(_l("Reminders go only to active member organisations."))
    organisations.sort(key=lambda o: (sort_key(o.name), o.id))
    # Sends about one draft take their turns (the draft's row lock, taken while the phase is still open: a phase
    # change waits for it). The organisations go in one order (by name), so no two sends wait for each other.
    lock_open_draft(draft.id, draft.phase, now, CLOSED)
    day, run = berlin_day(now), ReminderRun()
    for organisation in organisations:
        reminder = Reminder(
            draft_id=draft.id,
            organisation_id=organisation.id,
            day=day,
            phase=draft.phase,
            automatic=automatic,
            sent_by_id=getattr(user, "id", None),
            created_at=now,
        )
        try:
            with db.session.begin_nested():
                db.session.add(reminder)
        except IntegrityError:  # reminded today already (by another click, process or the automatic one)
            run.skipped.append(organisation)
            continue
        people = recipients(organisation.id)
        context = mail_context(draft, organisation.name)
        for person in people:
            queue_mail(person.email, MAIL_TEMPLATE, person.locale, **context)
        reminder.recipients = len(people)
        run.reminded.append(organisation)
        run.mails += len(people)
    if run.reminded or not automatic:  # the scheduled run that found everyone reminded today writes nothing
        record(
            user,
            "participation.reminder",
            f"draft:{draft.id}",
            now,
            draft_id=draft.id,
            automatic=automatic,
            phase=draft.phase.value,
            reminded=[o.id for o in run.reminded],
            skipped=[o.id for o in run.skipped],
            mails=run.mails,
        )
    db.session.flush()
    return run


def due_drafts(now: datetime) -> list[Draft]:
    """Drafts with an automatic reminder whose current phase (commenting or voting) ends within their
    `reminder_days` from `now` and has not ended yet (one query; the window is checked per draft)."""
    candidates = db.session.scalars(
        select(Draft)
        .join(DraftDeadline, (DraftDeadline.draft_id == Draft.id) & (DraftDeadline.phase == Draft.phase))
        .where(Draft.reminder_days.is_not(None), Draft.phase.in_(REMINDER_PHASES), DraftDeadline.ends_at > now)
        .order_by(Draft.id)
    )
    return [
        d
        for d in candidates
        if d.current_deadline is not None
        and d.reminder_days is not None
        and now < d.current_deadline <= now + timedelta(days=d.reminder_days)
    ]


def send_automatic_reminders(now: datetime) -> list[ReminderRun]:
    """For each due draft (`due_drafts`), remind every active member organisation that has not responded in
    its phase (marked automatic; the once-a-day rule holds as for the office's reminders). Never commits.
    Run by the scheduler, outside any request: the mails' links are built under PUBLIC_URL (`links_for_mail`)."""
    runs = []
    with links_for_mail():
        for draft in due_drafts(now):
            waiting = not_responded_ids(draft, draft.phase)
            if waiting:
                runs.append(send_reminders(None, draft, waiting, now, automatic=True))
    return runs
