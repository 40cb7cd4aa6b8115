"""``manage.py demo_setup``: what ``make demo`` runs once the database is up.

Loads the real 東區 data (or, without ../shared/data/real, a generated district) unless door plates are
already loaded, generates the synthetic household register once (when the register is empty and the village
reports with ages are imported), and makes sure an admin login and one staff login per role exist (printed), a demo census
campaign is open for the surveyor login and the re-issuance has a demo fee schedule and demo cases at every step,
synthetic home-visit requests have a day plan for the registrar login,
and a demo agency is subscribed to the public address events at a local receiver (the command to run it is printed).
"""

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from geo_portal.accounts.two_factor import two_factor_roles
from geo_portal.addresses.models import DoorPlate
from geo_portal.demo.census_demo import ensure_demo_campaign
from geo_portal.demo.generator import generate
from geo_portal.demo.homevisits_demo import ensure_homevisits_demo
from geo_portal.demo.loading import load_generated, load_real, real_data_available
from geo_portal.demo.notifications_demo import ensure_demo_agency
from geo_portal.demo.registry_demo import ensure_synthetic_register
from geo_portal.demo.reissue_demo import ensure_reissue_demo
from geo_portal.demo.staff_logins import ensure_staff_logins

ADMIN_USER = "admin"


class Command(BaseCommand):
    help = "Load the demo data set once and create the admin login (used by make demo)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--generated-plates",
            type=int,
            default=50_000,
            help="size of the generated district when the real data is absent",
        )
        parser.add_argument("--no-admin", action="store_true", help="load the data only (no admin login)")

    def handle(self, *args, **opts):
        if DoorPlate.objects.exists():
            self.stdout.write("==> data already loaded; reusing it")
        elif real_data_available():
            self.stdout.write(f"==> loading the real 新竹市東區 data from {settings.SHARED_DATA_DIR}")
            load_real(log=lambda msg: self.stdout.write(f"    {msg}"))
        else:
            self.stdout.write("==> real data not found; generating a synthetic district")
            out = settings.GIS_DATA_DIR / "generated" / "demo"
            generate(out, plates=opts["generated_plates"], seed=1)
            load_generated(out, log=lambda msg: self.stdout.write(f"    {msg}"))
        self._ensure_register()
        if not opts["no_admin"]:
            self._ensure_admin()
            self._ensure_staff_logins()
            campaign = ensure_demo_campaign()
            if campaign is not None:
                self.stdout.write(
                    f"==> census demo campaign '{campaign.name}': {campaign.tasks.count()} tasks, open for field work"
                )
            self._ensure_reissue()
            self._ensure_homevisits()
            self._ensure_agency()

    def _ensure_agency(self):
        office = get_user_model().objects.get(username=ADMIN_USER)
        outcome = ensure_demo_agency(office=office, secret_file=settings.BASE_DIR / ".data" / "demo-agency-secret")
        kinds = ", ".join(outcome.subscription.event_kinds)
        self.stdout.write(
            f"==> notified agency '{outcome.agency.code}' ({'new' if outcome.created else 'kept'}): {kinds} to "
            f"{outcome.subscription.url}; to watch the signed deliveries, run in another terminal:\n"
            f"    {outcome.receiver_command}"
        )

    def _ensure_reissue(self):
        outcome = ensure_reissue_demo()
        if outcome.skipped:
            self.stdout.write(f"==> re-issuance demo skipped: {outcome.skipped}")
            return
        made = ", ".join(f"{step} {ref}" for step, ref in outcome.cases.items()) or "already there"
        self.stdout.write(
            f"==> re-issuance demo: fee schedule ({outcome.fees} new entries), office service point '{outcome.office}', "
            f"{outcome.conditions} plates newly marked for resident notices, cases: {made}"
        )

    def _ensure_homevisits(self):
        outcome = ensure_homevisits_demo()
        if outcome.plan is None:
            self.stdout.write(f"==> home-visit demo skipped: {outcome.skipped}")
            return
        plan = outcome.plan
        self.stdout.write(
            f"==> home-visit demo: {outcome.requests or 'no'} new synthetic requests; day plan {plan.day} with "
            f"{plan.stops.count()} stops from '{plan.service_point.name}' for '{plan.visitor.get_username()}' "
            f"(sign in as the registrar, /homevisits/)"
        )

    def _ensure_register(self):
        outcome = ensure_synthetic_register()
        if outcome.result is None:
            self.stdout.write(f"==> synthetic household register: {outcome.skipped}")
            return
        r = outcome.result
        self.stdout.write(
            f"==> synthetic household register for {r.month:%Y-%m}: {r.persons} persons in {r.households} households "
            f"({r.villages} villages, every record synthetic)"
        )

    def _ensure_admin(self):
        secret_file = settings.BASE_DIR / ".data" / "admin-password"
        user_model = get_user_model()
        if secret_file.is_file() and user_model.objects.filter(username=ADMIN_USER).exists():
            password = secret_file.read_text().strip()
        else:
            password = secrets.token_urlsafe(12)
            user = user_model.objects.filter(username=ADMIN_USER).first() or user_model(username=ADMIN_USER)
            user.is_staff = user.is_superuser = True
            user.set_password(password)
            user.save()
            secret_file.parent.mkdir(parents=True, exist_ok=True)
            secret_file.write_text(password + "\n")
            secret_file.chmod(0o600)
        self.stdout.write(f"==> admin login: user '{ADMIN_USER}', password '{password}' (kept in {secret_file})")

    def _ensure_staff_logins(self):
        secret_file = settings.BASE_DIR / ".data" / "staff-logins"
        self.stdout.write(f"==> staff logins, one per role (kept in {secret_file}; sign in at /staff/):")
        for username, role, password in ensure_staff_logins(secret_file):
            self.stdout.write(f"    {role.value:<18} user '{username}', password '{password}'")
        roles = ", ".join(two_factor_roles())
        self.stdout.write(
            f"==> two-step sign-in for the admin login and {roles}: at the first sign-in the page shows a QR code for an"
            " authenticator app (or its key: `oathtool --totp -b KEY` prints the code) and ten backup codes;"
            " an administrator resets a lost device in the admin (Staff accounts → action)"
        )
