"""``manage.py generate_register [--district CODE] [--month YYYY-MM] [--seed N] [--scale N] [--replace]``."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from geo_portal.areas.models import VillagePopulation
from geo_portal.registry.synthetic.load import GenerateRefused, generate_register


def _month(text: str) -> dt.date:
    try:
        return dt.datetime.strptime(text, "%Y-%m").date()
    except ValueError:
        raise CommandError(f"--month {text!r}: write the month as YYYY-MM, e.g. 2026-06") from None


class Command(BaseCommand):
    help = (
        "Generate the synthetic household register on the district's active door plates, matching a month's imported "
        "village reports (households, residents, sex and single-year ages), deterministic for a seed. Every record "
        "is marked synthetic; national IDs come from the never-issued range (second character 0)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--district", default="10018010", help="MOI district code (default 10018010, 東區)")
        parser.add_argument("--month", type=_month, help="report month YYYY-MM (default: the latest imported)")
        parser.add_argument("--seed", type=int, default=115, help="random seed (default 115)")
        parser.add_argument("--scale", type=int, default=1, help="multiply every count (the bench uses 10)")
        parser.add_argument("--replace", action="store_true", help="replace an existing synthetic register")

    def handle(self, *args, district: str, month, seed: int, scale: int, replace: bool, **options):
        reports = VillagePopulation.objects.filter(village__district__code=district)
        month = month or reports.order_by("-month").values_list("month", flat=True).first()
        total = sum(reports.filter(month=month).values_list("population", flat=True)) * scale if month else 0
        try:
            with tqdm(total=total, unit="person", file=self.stderr, disable=not total) as bar:
                result = generate_register(
                    district_code=district, seed=seed, scale=scale, month=month, replace=replace, progress=bar.update
                )
        except GenerateRefused as exc:
            raise CommandError(str(exc)) from None
        seconds = ", ".join(f"{name} {value:.1f} s" for name, value in result.seconds.items())
        self.stdout.write(
            f"synthetic register for {result.month:%Y-%m} (as on {result.on}, ×{result.scale}): {result.persons} persons "
            f"in {result.households} households ({result.villages} villages), {result.addresses} address periods, "
            f"{result.memberships} memberships; {seconds}"
        )
