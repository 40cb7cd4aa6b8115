"""A demo census campaign for ``make demo``: the village with the fewest plates (at least 500), split into
tasks and open for field work, so the demo surveyor login finds tasks to claim. Called by ``demo_setup``."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from django.utils import timezone

from geo_portal.areas.models import Village
from geo_portal.census.models import Campaign
from geo_portal.census.services import campaign_create, campaign_set_status, campaign_split

DEMO_NAME = "示範清查 Demo census"


def ensure_demo_campaign(*, supervisor_username: str = "supervisor", min_plates: int = 500) -> Campaign | None:
    """The demo campaign, created once (None when there is no supervisor login or no village with plates)."""
    existing = Campaign.objects.filter(name=DEMO_NAME).first()
    if existing is not None:
        return existing
    supervisor = get_user_model().objects.filter(username=supervisor_username).first()
    village = (
        Village.objects.filter(boundary__isnull=False)
        .annotate(n=Count("plates", filter=Q(plates__status="active")))
        .filter(n__gte=min_plates)
        .order_by("n", "code")
        .first()
    )
    if supervisor is None or village is None:
        return None
    today = timezone.localdate()
    campaign = campaign_create(
        name=DEMO_NAME,
        district=village.district,
        villages=[village],
        starts_on=today,
        ends_on=today + dt.timedelta(days=90),
        created_by=supervisor,
    )
    campaign_split(campaign_id=campaign.pk, actor=supervisor)
    return campaign_set_status(campaign_id=campaign.pk, status=Campaign.Status.ACTIVE, actor=supervisor)
