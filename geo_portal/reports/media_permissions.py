"""Private permissions for the uploaded photos already on disk: every file under ``MEDIA_ROOT`` loses its group and
other bits (0644 → 0600), every folder too (0755 → 0700).

New uploads are written 0600 in 0700 folders (``FILE_UPLOAD_PERMISSIONS``), but files saved before that setting
existed kept the umask's 0644: any local user could read a reporter's photo. Everything in ``MEDIA_ROOT`` is a
private photo served only by staff views (citizen reports, census findings, re-issue installations; no MEDIA_URL
route), so the whole tree is tightened. Run by the migration ``reports.0004`` (once, at upgrade) and by the daily
retention job (``tasks.purge_personal_data``: files restored from a backup or copied in by hand). Symbolic links
are skipped (a chmod would follow them out of the tree). Idempotent.
"""

from __future__ import annotations

import logging
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

logger = logging.getLogger(__name__)

_OPEN_BITS = 0o077  # group and other: read, write, execute


@dataclass(frozen=True)
class Tightened:
    """How many files and folders had group or other permissions and lost them."""

    files: int
    folders: int


def _tighten(path: str) -> bool:
    status = os.lstat(path)
    if stat.S_ISLNK(status.st_mode) or not (status.st_mode & _OPEN_BITS):
        return False
    os.chmod(path, stat.S_IMODE(status.st_mode) & ~_OPEN_BITS)
    return True


def tighten_media_permissions(*, root: Path | None = None) -> Tightened:
    """Take group and other permissions off every file and folder under ``root`` (default ``MEDIA_ROOT``)."""
    root = Path(root or settings.MEDIA_ROOT)
    if not root.is_dir() or root.is_symlink():
        return Tightened(files=0, folders=0)
    files = folders = 0
    for folder, _subfolders, names in os.walk(root):  # does not descend into linked folders
        folders += _tighten(folder)
        files += sum(_tighten(os.path.join(folder, name)) for name in names)
    if files or folders:
        logger.info("media permissions tightened: %d files, %d folders", files, folders)
    return Tightened(files=files, folders=folders)
