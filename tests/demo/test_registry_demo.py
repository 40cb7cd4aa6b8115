"""The demo's synthetic register: generated once when the register is empty and ages are imported, else skipped."""

from __future__ import annotations

from geo_portal.demo.registry_demo import ensure_synthetic_register
from geo_portal.registry.models import Household, Person
from tests.registry.conftest import street  # noqa: F401 — a fixture
from tests.registry.test_synthetic import reports  # noqa: F401 — a fixture


def test_without_an_age_report_the_register_is_skipped(street):  # noqa: F811
    outcome = ensure_synthetic_register()
    assert (outcome.result, outcome.skipped) == (None, "no village report with ages is imported for district 10018010")
    assert Person.objects.count() == 0


def test_the_register_is_generated_once(reports):  # noqa: F811
    first = ensure_synthetic_register()
    assert (first.result.persons, first.result.households, first.skipped) == (8, 3, "")
    assert Person.objects.filter(synthetic=True).count() == 8
    again = ensure_synthetic_register()
    assert (again.result, again.skipped) == (None, "the register already holds 8 persons; kept as it is")
    assert (Person.objects.count(), Household.objects.count()) == (8, 3)
