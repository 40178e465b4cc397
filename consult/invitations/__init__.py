"""Invitations: an admin or an organisation's contact person invites a person by e-mail."""
