"""The demo's notified agency: one agency subscribed to the public address events, delivering to a local receiver.

``make demo`` runs this through ``demo_setup`` (with the admin login as the office). The agency (``demo-agency``)
gets a webhook subscription to ``plate.created``, ``plate.retired``, ``plate.renumbered`` and ``road.renamed`` at
``http://127.0.0.1:8765/hooks`` — loopback only, no network — and its signing secret is kept in
``.data/demo-agency-secret`` (mode 600), so a newcomer runs the reference receiver beside the demo
(``manage.py receive_notifications --secret …``) and watches each change to a plate arrive signed and receipted.
Without the receiver running, the worker records failed attempts and retries (the dead-letter list in the admin
shows where that ends). A second run changes nothing and prints the same command.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from geo_portal.notifications.kinds import PUBLIC_KINDS
from geo_portal.notifications.models import Agency, SigningSecret, Subscription
from geo_portal.notifications.services import agency_create, subscription_create

DEMO_AGENCY = "demo-agency"
RECEIVER_PORT = 8765
RECEIVER_URL = f"http://127.0.0.1:{RECEIVER_PORT}/hooks"


@dataclass(frozen=True)
class AgencyOutcome:
    agency: Agency
    subscription: Subscription
    secret_file: Path
    created: bool

    @property
    def receiver_command(self) -> str:
        return f".venv/bin/python manage.py receive_notifications --secret $(cat {self.secret_file}) --port {RECEIVER_PORT}"


@transaction.atomic
def ensure_demo_agency(*, office: AbstractBaseUser, secret_file: Path) -> AgencyOutcome:
    """The demo agency and its subscription (made once); its signing secret written to ``secret_file``."""
    agency = Agency.objects.filter(code=DEMO_AGENCY).first()
    created = agency is None
    if agency is None:
        agency = agency_create(
            actor=office, code=DEMO_AGENCY, name="示範機關 Demo agency", kind=Agency.Kind.OTHER,
            contact_email="demo-agency@example.invalid",
        )  # fmt: skip
    sub = Subscription.objects.filter(agency=agency, url=RECEIVER_URL).order_by("pk").first()
    if sub is None:
        sub, secret = subscription_create(actor=office, agency=agency, event_kinds=list(PUBLIC_KINDS), url=RECEIVER_URL)
        created = True
    else:
        live = Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now())  # the newest secret that still signs
        secret = (
            SigningSecret.objects.filter(live, subscription=sub).order_by("-pk").values_list("secret", flat=True).first()
        )
    if secret:
        secret_file.parent.mkdir(parents=True, exist_ok=True)
        secret_file.write_text(secret + "\n")
        secret_file.chmod(0o600)
    return AgencyOutcome(agency=agency, subscription=sub, secret_file=secret_file, created=created)
