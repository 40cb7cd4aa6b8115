"""Which IDs the register accepts (synthetic only unless configured), and the messages for the rest."""

from __future__ import annotations

import pytest

from geo_portal.registry.identity import acceptance_errors

RESIDENT = (
    "is a resident certificate number (統一證號), not a national ID: foreign residents are not in the household register"
)
REAL_OFF = (
    "is outside the synthetic range (second digit 0): this installation holds synthetic data only "
    "(GEO_PORTAL_REGISTRY_ACCEPT_REAL_IDS is off)"
)


@pytest.mark.parametrize(
    ("text", "sex", "value", "reasons"),
    [
        ("O000000002", "F", "O000000002", []),
        ("o0000-00002", "M", "O000000002", []),
        ("A123456789", "M", "A123456789", [REAL_OFF]),
        ("A800000014", "M", "A800000014", [RESIDENT]),
        ("AC01234567", "M", "AC01234567", [RESIDENT]),
        ("O000000001", "M", None, ["check digit is wrong (it should be 2)"]),
        ("O00000002", "M", None, ["must be 10 characters: a region letter and 9 digits"]),
        ("1000000002", "M", None, ["must start with a region letter A–Z"]),
        ("O300000002", "M", None, ["second character must be 1 or 2 (citizens) or 0 (synthetic IDs)"]),
        ("O0000000X2", "M", None, ["characters 3 to 10 must be digits"]),
        ("", "M", None, ["is required"]),
    ],
)
def test_acceptance(text, sex, value, reasons):
    assert acceptance_errors(text, sex=sex) == (value, reasons)


def test_real_ids_when_the_installation_holds_real_data(settings):
    settings.REGISTRY_ACCEPT_REAL_IDS = True
    assert acceptance_errors("A123456789", sex="M") == ("A123456789", [])
    assert acceptance_errors("A123456789", sex="F") == (
        "A123456789",
        ["its second digit says male but the sex given is female"],
    )
    assert acceptance_errors("A800000014", sex="M") == ("A800000014", [RESIDENT])
