"""The households an applied plan moved, for their renumbering certificates (門牌整編證明, one per household).

A household's certificate names its household number (戶號) and head (戶長), its former and new address, the
effective date and the plan number — personal data. So ``plan_households`` reads like every registry selector:
it takes the reader's ``registry.access.Access`` (registrars: ``accounts.read_personal_data``, purpose
"certificate"), and writes one access-log row per head it returns, in the same transaction as the read. The
households are those of the plan's 門牌整編 registration event; each one's new address is the plan's new plate
whose address period the renumbering opened. Called by the plan page's household-certificate view and the tests.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from geo_portal.registry.access import ADDRESS, HOUSEHOLD, NAME, Access, checked, log_reads
from geo_portal.registry.models import Household, HouseholdAddress
from geo_portal.renumbering.models import Plan, PlanItem


class CertificateRefused(ValueError):
    """Why no household certificate is printed; ``field`` names the form field. Nothing was read or logged."""

    def __init__(self, field: str, message: str):
        self.field = field
        self.errors = {field: [message]}
        super().__init__(f"{field}: {message}")


@dataclass(frozen=True)
class HouseholdLine:
    household_number: str
    head_name: str
    old_address: str
    new_address: str
    position: int  # the plan item (its place in the plan's walking order)


@transaction.atomic
def plan_households(*, plan: Plan, access: Access, household_number: str = "") -> list[HouseholdLine]:
    """The households the applied plan moved (or the one numbered ``household_number``), in the plan's order."""
    access = checked(access)
    if plan.status != Plan.Status.APPLIED or plan.registration_event_id is None:
        why = (
            _("plan %(number)s moved no household: no household was registered at its plates")
            if plan.status == Plan.Status.APPLIED
            else _("plan %(number)s is %(status)s: household certificates are issued once it is applied")
        )
        raise CertificateRefused("plan", why % {"number": plan.number, "status": plan.get_status_display()})
    households = Household.objects.filter(pk__in=plan.registration_event.household_ids).select_related("head")
    wanted = household_number.strip().upper()
    if wanted:
        households = households.filter(number=wanted)
    by_id = {h.pk: h for h in households}
    if wanted and not by_id:
        raise CertificateRefused(
            "household",
            _("household %(household)s was not moved by plan %(number)s") % {"household": wanted, "number": plan.number},
        )
    items = {
        i.new_plate_id: i for i in PlanItem.objects.filter(plan=plan, new_plate__isnull=False).select_related("new_plate")
    }
    opened = HouseholdAddress.objects.filter(household_id__in=by_id, plate_id__in=items).values_list(
        "household_id", "plate_id"
    )
    lines = sorted(
        (
            HouseholdLine(
                household_number=by_id[household].number,
                head_name=by_id[household].head.name,
                old_address=items[plate].old_address,
                new_address=items[plate].new_plate.address,
                position=items[plate].position,
            )
            for household, plate in set(opened)
        ),
        key=lambda line: (line.position, line.household_number),
    )
    log_reads(
        access,
        selector="renumbering.plan_households",
        person_ids=[by_id[h].head_id for h in sorted({h for h, _p in opened})],
        fields=(NAME, HOUSEHOLD, ADDRESS),
        note=plan.number,
    )
    return lines
