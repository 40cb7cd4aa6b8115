"""Chunghwa Post 3+3 delivery rules: the rule mini-language, and which rule a door plate falls under.

Pure Python. A rule is (zip code, road, scope text) such as ``300049,新竹市,東區,光復路一段,單  87號以下``.
Scope grammar (spaces, ideographic spaces and full-width digits are noise)::

    scope  := [N巷 [N弄]] body [floors] [附號 modifiers]
    body   := 全 | 單全 | 雙全 | [單|雙|連] range | point
    range  := bound 以下 | bound 以上 | bound 至 bound      (至之M號: up to sub-number M of the same number)
    bound  := N[之M](號|巷|弄)          point := N[之M]號
    floors := F樓 | F樓以上 | F樓以下 | F樓至G樓         (地下F樓 or -F: basements; a high-rise's own code)

Positions: on the road itself a plate's position is its lane number when it stands in a lane (the lane
branches off at that number), else its number; inside a lane-scoped rule the position is the alley number
when it stands in an alley, else its number. 單/雙 test the parity of the position; 連 means both sides.
The most specific matching rule wins: lane+alley scope > lane scope > road; a point > a range > 全.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_SCOPE = re.compile(
    r"""^(?:(?P<lane>\d+(?:之\d+)?)巷)?(?:(?P<alley>\d+)弄)?
    (?P<side>單|雙|連)?
    (?:
      (?P<all>全)
    | (?P<lo>\d+(?:之\d+)?)[號巷弄](?:(?P<below>以下)|(?P<above>以上)|至(?P<hi>\d*(?:之\d+)?)[號巷弄])
    | (?P<point>\d+(?:之\d+)?)附?號
    )
    (?:(?P<floor_lo>(?:地下)?\d+)樓(?:(?P<floor_below>以下)|(?P<floor_above>以上)|至(?P<floor_hi>-?(?:地下)?\d+)樓)?)?
    $""",
    re.X,
)
_MODIFIERS = re.compile(r"(含附號|附號全|及以上附號)")


@dataclass(frozen=True)
class ZipRule:
    zip_code: str
    road: str
    lane: str | None  # "22" or "5之1" (lanes can carry 之 numbers)
    alley: int | None
    side: str  # "all", "odd", "even"
    low: tuple[int, int] | None
    high: tuple[int, int] | None
    point: bool
    order: int  # position in the file, for stable ties
    floor_low: int | None = None
    floor_high: int | None = None

    @property
    def specificity(self) -> tuple[int, int, int]:
        scope = 2 if self.alley is not None else 1 if self.lane is not None else 0
        body = 2 if self.point else 1 if (self.low or self.high) else 0
        floors = 1 if (self.floor_low is not None or self.floor_high is not None) else 0
        return scope, body, floors


def _position(text: str) -> tuple[int, int]:
    number, _, sub = text.partition("之")
    return int(number), int(sub or 0)


def parse_scope(zip_code: str, road: str, scope: str, order: int = 0) -> ZipRule:
    """Read one rule; raises ValueError naming what could not be read."""
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", scope))
    text = _MODIFIERS.sub("", text)
    m = _SCOPE.match(text)
    if not m:
        raise ValueError(f"cannot read delivery scope {scope.strip()!r}")
    side = {"單": "odd", "雙": "even"}.get(m.group("side") or "", "all")
    low = high = None
    point = False
    if m.group("point"):
        low = high = _position(m.group("point"))
        point = True
    elif m.group("lo"):
        bound = _position(m.group("lo"))
        if m.group("below"):
            high = bound
        elif m.group("above"):
            low = bound
        else:
            hi = m.group("hi")
            # 90之1號至之5號: the upper bound is a sub-number of the same number.
            high = (bound[0], int(hi.removeprefix("之"))) if hi.startswith("之") else _position(hi)
            low = bound
            if low > high:
                raise ValueError(f"range runs backwards in {scope.strip()!r}")
    floor_low = floor_high = None
    if m.group("floor_lo"):
        floor = _floor(m.group("floor_lo"))
        if m.group("floor_below"):
            floor_high = floor
        elif m.group("floor_above"):
            floor_low = floor
        elif m.group("floor_hi"):
            floor_low, floor_high = floor, _floor(m.group("floor_hi"))
        else:
            floor_low = floor_high = floor
    road_name = unicodedata.normalize("NFKC", road).replace("台", "臺").strip()
    return ZipRule(
        zip_code=zip_code.strip(),
        road=road_name,
        lane=m.group("lane"),
        alley=int(m.group("alley")) if m.group("alley") else None,
        side=side,
        low=low,
        high=high,
        point=point,
        order=order,
        floor_low=floor_low,
        floor_high=floor_high,
    )


def _floor(text: str) -> int:
    return -int(text.removeprefix("地下").lstrip("-")) if text.startswith(("地下", "-")) else int(text)


def _covers(rule: ZipRule, position: tuple[int, int], floor: int | None) -> bool:
    if rule.floor_low is not None or rule.floor_high is not None:
        level = floor if floor is not None else 1  # the entrance plate stands for the ground floor
        if (rule.floor_low is not None and level < rule.floor_low) or (
            rule.floor_high is not None and level > rule.floor_high
        ):
            return False
    if (rule.side == "odd" and position[0] % 2 == 0) or (rule.side == "even" and position[0] % 2 == 1):
        return False
    if rule.point:
        return position[0] == rule.low[0] and (rule.low[1] == 0 or position[1] == rule.low[1])
    if rule.low is not None and position < rule.low:
        return False
    return not (rule.high is not None and position > (rule.high[0], rule.high[1] or 10**6))


def _lane_number(lane: str) -> int | None:
    return int(lane.partition("之")[0]) if lane else None


def find_zip(
    rules: list[ZipRule], *, lane: str, alley: str, number: int, sub_number: int | None, floor: int | None = None
) -> ZipRule | None:
    """The most specific rule among ``rules`` (those of one road) that covers this plate, or None."""
    lane_no, alley_no = _lane_number(lane), _lane_number(alley)
    lane_key = lane or None
    best: ZipRule | None = None
    for rule in rules:
        if rule.lane is not None:
            if rule.lane != lane_key or (rule.alley is not None and rule.alley != alley_no):
                continue
            if rule.alley is not None:
                position = (number, sub_number or 0)
            else:
                position = (alley_no, 0) if alley_no is not None else (number, sub_number or 0)
        else:
            position = (lane_no, 0) if lane_no is not None else (number, sub_number or 0)
        if _covers(rule, position, floor) and (
            best is None
            or rule.specificity > best.specificity
            or (rule.specificity == best.specificity and rule.order < best.order)
        ):
            best = rule
    return best
