"""manage.py print_notices BATCH --out FOLDER [--jobs N] — every part of a notice batch as PDF files for a print shop."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from geo_portal.reissue.models import NoticeBatch
from geo_portal.reissue.notice_letters import print_batch


class Command(BaseCommand):
    help = "Render every part of a notice batch (one A4 page per letter, walking order) as PDF files in a folder."

    def add_arguments(self, parser):
        parser.add_argument("batch", type=int, help="the notice batch's number (N-12 is 12)")
        parser.add_argument("--out", type=Path, required=True, help="folder for the PDF files")
        parser.add_argument("--jobs", type=int, default=2, help="parts rendered at once (processes; default 2)")
        parser.add_argument("--site-url", default="", help="the public site's address for the QR codes")

    def handle(self, *args, **opts):
        batch = NoticeBatch.objects.filter(pk=opts["batch"]).first()
        if batch is None:
            raise CommandError(f"there is no notice batch {opts['batch']}")
        site_url = opts["site_url"] or settings.SITE_URL
        if not site_url:
            raise CommandError("--site-url: the QR codes need the public site's address (or set GEO_PORTAL_SITE_URL)")
        printed = print_batch(batch, folder=opts["out"], site_url=site_url, jobs=max(1, opts["jobs"]))
        for part in printed:
            self.stdout.write(f"{part.path}: {part.letters} letters, {part.pages} pages")
