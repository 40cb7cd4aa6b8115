"""``manage.py notification_digests [--day YYYY-MM-DD]``: write the digest files of every digest subscription for a
day (default yesterday), as the nightly job does; a day already written is reported, not rewritten."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from geo_portal.notifications.digests import digests_build


class Command(BaseCommand):
    help = "Write the daily digest files (signed CSV and JSON) of the agencies that take files."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--day", help="the day (YYYY-MM-DD, local time); default yesterday")

    def handle(self, *args, **options) -> None:
        day = None
        if options["day"]:
            try:
                day = dt.date.fromisoformat(options["day"])
            except ValueError as exc:
                raise CommandError(f"--day: {options['day']!r} is not a date like 2026-12-01") from exc
        for digest in digests_build(day=day):
            self.stdout.write(
                f"{digest.subscription.agency.code} {digest.day}: {digest.messages} messages → {digest.csv_path}"
            )
