"""The demo's synthetic household register: generated once, after the real data, when the register is empty.

``make demo`` runs this through ``demo_setup``. It never replaces a register (re-running the demo keeps what the
registrars entered) and skips quietly, saying why, when no village report with ages is imported (the generated
district has none). The national-ID keys come from settings: fixed development keys in local and test settings,
the environment in production.
"""

from __future__ import annotations

from dataclasses import dataclass

from geo_portal.areas.models import VillagePopulation
from geo_portal.registry.models import Person
from geo_portal.registry.synthetic.load import GenerateResult, generate_register

DEMO_DISTRICT = "10018010"
DEMO_SEED = 115


@dataclass(frozen=True)
class RegisterOutcome:
    """What the demo did with the register: ``result`` when it generated one, else ``skipped`` says why."""

    result: GenerateResult | None = None
    skipped: str = ""


def ensure_synthetic_register(*, district_code: str = DEMO_DISTRICT, seed: int = DEMO_SEED) -> RegisterOutcome:
    """Generate the synthetic register for the latest imported month unless the register already holds anyone."""
    persons = Person.objects.count()
    if persons:
        return RegisterOutcome(skipped=f"the register already holds {persons} persons; kept as it is")
    with_ages = VillagePopulation.objects.filter(
        village__district__code=district_code, age_male__isnull=False, age_female__isnull=False
    )
    if not with_ages.exists():
        return RegisterOutcome(skipped=f"no village report with ages is imported for district {district_code}")
    return RegisterOutcome(result=generate_register(district_code=district_code, seed=seed))
