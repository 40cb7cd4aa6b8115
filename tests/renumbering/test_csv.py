"""Plans from a CSV: every bad row named by row, field and reason; nothing drafted from a bad file."""

from __future__ import annotations

import datetime as dt

import pytest

from geo_portal.renumbering.csv_plans import plan_draft_from_csv
from geo_portal.renumbering.models import Plan
from geo_portal.renumbering.services import PlanRefused

ON = dt.date(2026, 12, 1)


def draft(street, staff, text: str | bytes):
    data = text if isinstance(text, bytes) else text.encode()
    return plan_draft_from_csv(actor=staff["clerk"], district=street["district"], title="CSV", effective_date=ON, data=data)


def test_a_csv_drafts_the_plan_in_its_rows_order_with_village_and_neighbourhood(street, staff):
    text = (
        "old_address,new_address,new_village,new_neighborhood\n"
        "光復路二段3號,光復路二段31號,乙里,5\n"
        "新竹市東區光復路二段5號2樓,光復路二段33號2樓,,\n"
    )
    plan = draft(street, staff, text)
    items = list(
        plan.items.order_by("position").values_list(
            "old_plate_id", "road_name", "number", "floor", "village__name", "neighborhood"
        )
    )
    p = street["plates"]
    assert items == [(p[3].pk, "光復路二段", 31, None, "乙里", 5), (p["5F2"].pk, "光復路二段", 33, 2, "甲里", 3)]
    assert (plan.kind, plan.parameters) == ("csv", {"rows": 2})


def test_every_bad_row_is_named_and_nothing_is_drafted(street, staff):
    text = (
        "old_address,new_address,new_village,new_neighborhood\n"
        "光復路二段3號,光復路二段31號,丙里,\n"
        "光復路二段99號,光復路二段33號,,\n"
        ",光復路二段35號,,x\n"
        "光復路二段5號2樓,台北市大安區新生南路三段1號,,\n"
        "光復路二段3號,光復路二段37號,,\n"
    )
    with pytest.raises(PlanRefused) as refused:
        draft(street, staff, text)
    assert refused.value.errors == {
        "row 2.new_village": ["丙里 is not a village of 東區"],
        "row 3.old_address": ["光復路二段99號 is not an active door plate"],
        "row 4.old_address": ["is empty"],
        "row 5.new_address": ["台北市大安區新生南路三段1號 is not in 東區"],
        "row 6.old_address": ["the plate is already in row 2"],
    }
    assert Plan.objects.count() == 0


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        (
            "old,new\n1,2\n",
            {"file": ["the header must have the columns old_address, new_address (missing: old_address, new_address)"]},
        ),
        ("old_address,new_address,colour\n", {"file": ["unknown columns: colour"]}),
        ("old_address,new_address\n", {"file": ["has no rows below the header"]}),
        (
            "old_address,new_address\n光復路二段3號,光復路二段31號\n".encode("big5"),
            {"file": ["is not UTF-8 text (byte 24): save it as a UTF-8 CSV"]},
        ),
    ],
)
def test_a_bad_file_is_refused_as_a_whole(street, staff, data, errors):
    with pytest.raises(PlanRefused) as refused:
        draft(street, staff, data)
    assert refused.value.errors == errors
