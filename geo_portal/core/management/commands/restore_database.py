"""``manage.py restore_database FILE`` (``make restore BACKUP=FILE``): replace the database by a backup, all or
nothing (the replaced database is kept as ``<name>_before_restore``)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from geo_portal.core.backup import BackupError, backups, restore_backup


class Command(BaseCommand):
    help = "Replace the database by a backup made by backup_database (checksum verified first)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", nargs="?", type=Path, help="the backup (default: the newest in BACKUP_DIR)")

    def handle(self, *args, **options) -> None:
        path = options["file"]
        if path is None:
            found = backups(Path(settings.BACKUP_DIR))
            if not found:
                raise CommandError(f"no backups in {settings.BACKUP_DIR}; name a file")
            path = found[-1]
        try:
            seconds = restore_backup(path, settings.DATABASES["default"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        name = settings.DATABASES["default"]["NAME"]
        self.stdout.write(f"restored {path} into {name} in {seconds:.1f} s (the previous one is {name}_before_restore)")
