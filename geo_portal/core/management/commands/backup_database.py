"""``manage.py backup_database`` (``make backup``): a pg_dump of the serving database into ``BACKUP_DIR``."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from geo_portal.core.backup import BackupError, make_backup


class Command(BaseCommand):
    help = "Dump the database into BACKUP_DIR (custom format, SHA-256 sidecar), keeping the newest BACKUP_KEEP."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dir", type=Path, default=None, help="directory (default: the BACKUP_DIR setting)")
        parser.add_argument("--keep", type=int, default=None, help="backups to keep (default: BACKUP_KEEP)")

    def handle(self, *args, **options) -> None:
        directory = options["dir"] or Path(settings.BACKUP_DIR)
        keep = options["keep"] if options["keep"] is not None else int(settings.BACKUP_KEEP)
        try:
            backup = make_backup(settings.DATABASES["default"], directory, keep=keep)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{backup.path} ({backup.size:,} bytes, {backup.seconds:.1f} s, sha256 {backup.sha256})")
