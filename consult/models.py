"""Imports every area's models, so that metadata (and Alembic) knows all tables."""

from consult.accounts.models import User, UserRole  # noqa: F401
from consult.amendments.models import Amendment, AmendmentAuthor, AmendmentSupport  # noqa: F401
from consult.audit.models import AuditEntry  # noqa: F401
from consult.comments.models import Comment, CommentAuthor  # noqa: F401
from consult.core.once import SubmissionKey  # noqa: F401
from consult.drafts.models import Draft, DraftDeadline, Paragraph, ParagraphText, Version, VersionConflict  # noqa: F401
from consult.exports.models import PositionDocuments, PositionFile  # noqa: F401
from consult.invitations.models import Invitation  # noqa: F401
from consult.live.models import AgendaItem, CheckIn, LiveSession  # noqa: F401
from consult.mail.models import OutboxMessage  # noqa: F401
from consult.moderation.models import Report  # noqa: F401
from consult.notifications.models import Notification, NotificationSetting  # noqa: F401
from consult.organisations.models import Organisation  # noqa: F401
from consult.participation.models import Reminder  # noqa: F401
from consult.password_reset.models import PasswordReset  # noqa: F401
from consult.translations.models import ParagraphTranslation, Translator  # noqa: F401
from consult.votes.models import Vote, VoteCast  # noqa: F401
from consult.workspace.models import InternalAgreement, InternalAuthor, InternalDraft, InternalNote  # noqa: F401
