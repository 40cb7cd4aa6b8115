"""A plan's preview: new addresses with zip codes and English, every conflict named, the counts."""

from __future__ import annotations

import datetime as dt

from geo_portal.addresses.models import ZipCodeRule
from geo_portal.renumbering.csv_plans import plan_draft_from_csv
from geo_portal.renumbering.preview import plan_preview
from geo_portal.renumbering.services import plan_draft_by_rule

ON = dt.date(2026, 12, 1)


def draft(street, staff, **kwargs):
    defaults = {"title": "t", "effective_date": ON}
    return plan_draft_by_rule(actor=staff["clerk"], district=street["district"], **{**defaults, **kwargs})


def conflicts(preview) -> list[tuple]:
    return [(c.position, c.kind, c.severity, c.message) for c in preview.conflicts]


def test_renumbering_the_road_fixes_the_slip_with_zip_codes_english_and_counts(world, street, staff):
    ZipCodeRule.objects.create(
        zip_code="300044", county="新竹市", district="東區", road="光復路二段", scope="全", position=1, source="t"
    )
    plan = draft(street, staff, kind="renumber", road_id=street["road"].pk, first_odd=1, first_even=2)
    preview = plan_preview(plan, on=dt.date(2026, 12, 1))
    table = [
        (r.item.position, r.item.old_address[5:], r.new_address[5:], r.resolved.zip_code, r.households, r.persons)
        for r in preview.rows
    ]
    assert table == [
        (1, "光復路二段1號", "光復路二段1號", "300044", 0, 0),
        (2, "光復路二段3號", "光復路二段3號", "300044", 0, 0),
        (3, "光復路二段9號", "光復路二段5號", "300044", 0, 0),
        (4, "光復路二段5號", "光復路二段7號", "300044", 0, 0),
        (5, "光復路二段5號2樓", "光復路二段7號2樓", "300044", 1, 3),
        (6, "光復路二段5號3樓", "光復路二段7號3樓", "300044", 1, 2),
        (7, "光復路二段7號", "光復路二段9號", "300044", 0, 0),
        (8, "光復路二段2號", "光復路二段2號", "300044", 0, 0),
        (9, "光復路二段4號", "光復路二段4號", "300044", 0, 0),
        (10, "光復路二段6號", "光復路二段6號", "300044", 0, 0),
        (11, "光復路二段8之1號", "光復路二段8之1號", "300044", 0, 0),
    ]
    assert preview.rows[4].resolved.english == "2F, No. 7, Sec. 2, Guangfu Rd., East Dist., Hsinchu City 300"
    assert (preview.affected.households, preview.affected.persons) == (2, 5)
    assert preview.conflicts == []


def test_a_new_address_already_active_outside_the_plan_collides_at_its_entrance(world, street, staff):
    p = street["plates"]
    # Two entrances chosen: walked the way their old numbers grow (5 at 50 m, then 9 at 40 m).
    plan = draft(street, staff, kind="renumber", plate_ids=[p[9].pk, p[5].pk, p["5F2"].pk], first_odd=5)
    preview = plan_preview(plan)
    assert [(r.item.old_address[5:], r.new_address[5:]) for r in preview.rows] == [
        ("光復路二段5號", "光復路二段5號"),
        ("光復路二段5號2樓", "光復路二段5號2樓"),
        ("光復路二段9號", "光復路二段7號"),
    ]
    seven = p[7].pk
    assert conflicts(preview) == [
        (3, "taken", "error", f"新竹市東區光復路二段7號 is already the active plate {seven}, which is not in the plan"),
        (
            3,
            "collision",
            "error",
            f"新竹市東區光復路二段7號: plate {seven} (新竹市東區光復路二段7號) outside the plan stands at this number",
        ),
    ]
    assert [len(r.conflicts) for r in preview.rows] == [0, 0, 2]


def test_a_gap_is_a_warning_a_number_between_the_plans_numbers_an_error(street, staff):
    p = street["plates"]
    gap = draft(street, staff, kind="renumber", plate_ids=[p[1].pk, p[3].pk], first_odd=21)
    assert conflicts(plan_preview(gap)) == [
        (
            None,
            "gap",
            "warning",
            "光復路二段: numbers 9 and 21 leave 5 numbers free between the plan and the plates outside it",
        ),
    ]
    data = "old_address,new_address\n光復路二段1號,光復路二段1號\n光復路二段7號,光復路二段11號\n".encode()
    between = plan_draft_from_csv(actor=staff["clerk"], district=street["district"], title="t", effective_date=ON, data=data)
    assert conflicts(plan_preview(between)) == [
        (None, "collision", "error", "光復路二段: number 3 outside the plan lies between the plan's new numbers 1 and 11"),
    ]


def test_duplicates_and_the_wrong_side_from_a_csv(street, staff):
    rows = [
        "old_address,new_address",
        "光復路二段3號,光復路二段4號",
        "光復路二段1號,光復路二段11號",
        "光復路二段7號,光復路二段11號",
    ]
    data = "\n".join(rows).encode()
    plan = plan_draft_from_csv(actor=staff["clerk"], district=street["district"], title="t", effective_date=ON, data=data)
    assert conflicts(plan_preview(plan)) == [
        (
            1,
            "wrong_side",
            "error",
            "新竹市東區光復路二段3號 is on the odd side; 新竹市東區光復路二段4號 would put it on the even side",
        ),
        (3, "duplicate", "error", "the new address 新竹市東區光復路二段11號 is also the new address of item 2"),
        (
            1,
            "taken",
            "error",
            f"新竹市東區光復路二段4號 is already the active plate {street['plates'][4].pk}, which is not in the plan",
        ),
        (
            1,
            "collision",
            "error",
            f"新竹市東區光復路二段4號: plate {street['plates'][4].pk} (新竹市東區光復路二段4號) "
            "outside the plan stands at this number",
        ),
    ]
