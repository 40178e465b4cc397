"""Writing a backup file safely: into a temporary file beside it, then renamed into place.

A backup that a crash, a full disk or a failed pg_dump interrupts never sits under the backup's name, where it
would later pass for a good one; and an existing file is only replaced when the caller asks for it."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from consult.backup.errors import BackupError


@contextmanager
def written_atomically(path: Path, force: bool) -> Iterator[Path]:
    """Yield a temporary path (mode 0600: a backup holds password hashes) to write; on success it becomes
    `path`. Refuses an existing `path` unless `force`, before and again at the rename (no overwrite race)."""
    exists = BackupError(f"{path} already exists; choose another name or pass --force to overwrite it")
    if path.exists() and not force:
        raise exists
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
        _fsync(temporary)
        if force:
            os.replace(temporary, path)
        else:
            try:
                os.link(temporary, path)  # fails if `path` appeared meanwhile, unlike a rename
            except FileExistsError:
                raise exists from None
    finally:
        temporary.unlink(missing_ok=True)


def _fsync(path: Path) -> None:
    """On disk before it takes the backup's name: a power cut must not leave an empty file there."""
    with open(path, "rb") as file:
        os.fsync(file.fileno())
