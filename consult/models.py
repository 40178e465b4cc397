"""Imports every area's models, so that metadata (and Alembic) knows all tables."""
from consult.organisations.models import Organisation  # noqa: F401
from consult.accounts.models import User, UserRole  # noqa: F401
from consult.drafts.models import Draft, DraftDeadline, Paragraph, ParagraphText, Version  # noqa: F401
from consult.comments.models import Comment  # noqa: F401
from consult.votes.models import Vote, VoteCast  # noqa: F401
