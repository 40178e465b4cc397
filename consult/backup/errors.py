"""The one error of backups and restores."""

from __future__ import annotations


class BackupError(Exception):
    """A backup or restore was refused or failed; the message says why and what to do next."""
