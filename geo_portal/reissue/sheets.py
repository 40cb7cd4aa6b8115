"""The production order's rows, shared by its PDF sheet (``printing``) and its CSV (``exports``): every plate of
the order's cases in route order with the text fixed when the order was made, grouped by street; and the fixed
bilingual labels that printouts use whatever the page's language. No WeasyPrint here."""

from __future__ import annotations

from dataclasses import dataclass

from geo_portal.reissue.models import ProductionOrder
from geo_portal.reissue.selectors import order_plates


def money(amount: int) -> str:
    """NT dollars with thousands separators: 1,200."""
    return f"{amount:,}"


# Printouts carry both languages whatever the page's language, so their labels are fixed here, not translated.
KINDS = {
    "standard": ("門牌", "door plate"),
    "floor": ("樓層牌", "floor or unit plate"),
    "lane_sign": ("巷弄牌", "lane sign"),
}
METHODS = {"cash": ("現金", "cash"), "easycard": ("悠遊卡", "EasyCard"), "bank_transfer": ("匯款", "bank transfer")}


@dataclass(frozen=True)
class OrderRow:
    seq: int
    street: str
    reference: str
    plate_id: int
    kind: str
    kind_zh: str
    kind_en: str
    quantity: int
    lines: list[str]
    village: str
    neighborhood: int | None
    address: str

    @property
    def text(self) -> str:
        """The text below the header, as one line: 光復路二段7號."""
        return "".join(self.lines[1:])


@dataclass(frozen=True)
class OrderGroup:
    street: str
    rows: list[OrderRow]


def order_rows(order: ProductionOrder) -> list[OrderRow]:
    """The order's plates in route order, with the text fixed when the order was made."""
    rows = []
    for plate in order_plates(order):
        door = plate.plate
        rows.append(
            OrderRow(
                seq=plate.route_seq or 0,
                street=plate.route_group,
                reference=plate.case.reference,
                plate_id=door.pk,
                kind=plate.plate_kind,
                kind_zh=KINDS[plate.plate_kind][0],
                kind_en=KINDS[plate.plate_kind][1],
                quantity=plate.quantity,
                lines=plate.text.split("\n"),
                village=door.village.name if door.village_id else "",
                neighborhood=door.neighborhood.number if door.neighborhood_id else None,
                address=door.address,
            )
        )
    return rows


def order_groups(rows: list[OrderRow]) -> list[OrderGroup]:
    """Consecutive rows of one street as one group (the route visits each street once)."""
    groups: list[OrderGroup] = []
    for row in rows:
        if groups and groups[-1].street == row.street:
            groups[-1].rows.append(row)
        else:
            groups.append(OrderGroup(row.street, [row]))
    return groups
