"""Taiwan national ID numbers (國民身分證統一編號): format, check digit, kind, and the synthetic range.

Pure functions, no Django: the registry's services validate every ID through ``parse`` and the synthetic
register generator makes its IDs with ``synthetic``.

The format is one region letter and nine digits: ``A123456789``. The letter is where the number was first
assigned (A 臺北市 … O 新竹市 … Z 連江縣; its two-digit code below), the second character the kind of holder
and sex, the last digit a check digit: with the letter's code split into two digits, the weighted sum
``tens×1 + units×9 + d2×8 + d3×7 + d4×6 + d5×5 + d6×4 + d7×3 + d8×2 + d9×1 + check`` is a multiple of 10.

Second characters in use: ``1``/``2`` for citizens (male/female); ``8``/``9`` for the new-style resident
certificate numbers (新式統一證號, foreigners and residents from Hong Kong, Macao and the mainland, since
2021-01-02, same check digit); ``A``–``D`` for the old-style ones (two letters, retired by 2031). Resident numbers
are not national IDs: foreigners are not in the household register.

**The synthetic range: second character ``0``.** No ID with ``0`` in second place has ever been issued: citizens
have held only ``1`` and ``2`` since numbers were first assigned in 1965, residents ``8``/``9`` (and letters)
since 2021, and the new-style numbers were designed on the citizen pattern precisely so that they cannot collide
with a citizen's. ``3``–``7`` are unused as well, but they are the digits mentioned whenever a third sex marker
is discussed (``3`` and ``7`` are the usual suggestions), so ``0`` — the one digit that encodes nothing in any
scheme the Ministry of the Interior has used — is the safest choice. Synthetic IDs carry a correct check digit,
so they pass every format check a real ID passes, yet no synthetic ID can be anyone's. The sex of a synthetic
person is kept in its own field, not in the number.
"""

from __future__ import annotations

import enum
import unicodedata
from dataclasses import dataclass

# Region letter → the two-digit code used by the check digit (I, O, W, Z were added after the alphabetical run).
LETTER_CODES: dict[str, int] = {
    "A": 10, "B": 11, "C": 12, "D": 13, "E": 14, "F": 15, "G": 16, "H": 17, "I": 34, "J": 18, "K": 19, "L": 20,
    "M": 21, "N": 22, "O": 35, "P": 23, "Q": 24, "R": 25, "S": 26, "T": 27, "U": 28, "V": 29, "W": 32, "X": 30,
    "Y": 31, "Z": 33,
}  # fmt: skip
REGIONS: dict[str, str] = {
    "A": "臺北市", "B": "臺中市", "C": "基隆市", "D": "臺南市", "E": "高雄市", "F": "新北市", "G": "宜蘭縣",
    "H": "桃園市", "I": "嘉義市", "J": "新竹縣", "K": "苗栗縣", "L": "臺中縣", "M": "南投縣", "N": "彰化縣",
    "O": "新竹市", "P": "雲林縣", "Q": "嘉義縣", "R": "臺南縣", "S": "高雄縣", "T": "屏東縣", "U": "花蓮縣",
    "V": "臺東縣", "W": "金門縣", "X": "澎湖縣", "Y": "陽明山管理局", "Z": "連江縣",
}  # fmt: skip
WEIGHTS = (1, 9, 8, 7, 6, 5, 4, 3, 2, 1, 1)  # letter tens, letter units, then the nine digits

SYNTHETIC_SECOND = "0"
SYNTHETIC_LETTER = "O"  # 新竹市: the office's own city, for the generated register
SYNTHETIC_SERIALS = 10_000_000  # digits 3–9 of the number: 10 million synthetic IDs per letter


class Kind(enum.StrEnum):
    CITIZEN = "citizen"  # 1 / 2
    RESIDENT = "resident"  # 8 / 9: new-style resident certificate number
    OLD_RESIDENT = "old_resident"  # A–D: old-style resident certificate number
    SYNTHETIC = "synthetic"  # 0: never issued, used by the synthetic register


_KINDS = {"1": (Kind.CITIZEN, "M"), "2": (Kind.CITIZEN, "F"), "8": (Kind.RESIDENT, "M"), "9": (Kind.RESIDENT, "F")}
_KINDS |= {"A": (Kind.OLD_RESIDENT, "M"), "B": (Kind.OLD_RESIDENT, "F"), "C": (Kind.OLD_RESIDENT, "M")}
_KINDS |= {"D": (Kind.OLD_RESIDENT, "F"), SYNTHETIC_SECOND: (Kind.SYNTHETIC, None)}


class InvalidNationalId(ValueError):
    """Not a valid ID; ``code`` says why (``empty``, ``length``, ``letter``, ``digits``, ``second``,
    ``check_digit``), ``expected`` is the right check digit when the code is ``check_digit``."""

    def __init__(self, code: str, message: str, expected: int | None = None) -> None:
        self.code = code
        self.expected = expected
        super().__init__(message)


@dataclass(frozen=True)
class NationalId:
    value: str
    kind: Kind
    sex: str | None  # "M" / "F" as the number says; None for the synthetic range
    region: str


def normalise(text: str) -> str:
    """Full-width to half-width, upper case, spaces and dashes removed: ``ａ１２３-456 789`` → ``A123456789``."""
    folded = unicodedata.normalize("NFKC", text or "")
    return "".join(ch for ch in folded if not ch.isspace() and ch not in "-‐－").upper()


def _value(ch: str) -> int:
    """A digit, or a letter in second place (old-style resident numbers) by its code's units digit."""
    return int(ch) if ch.isdigit() else LETTER_CODES[ch] % 10


def check_digit(first_nine: str) -> int:
    """The check digit for a letter and eight characters: ``check_digit("A12345678")`` → 9."""
    code = LETTER_CODES[first_nine[0]]
    values = [code // 10, code % 10, *(_value(ch) for ch in first_nine[1:9])]
    total = sum(w * v for w, v in zip(WEIGHTS, values, strict=False))
    return (10 - total % 10) % 10


def parse(text: str) -> NationalId:
    """Check format and check digit; the number's kind, sex and region. Raises ``InvalidNationalId``."""
    value = normalise(text)
    if not value:
        raise InvalidNationalId("empty", "is empty")
    if len(value) != 10:
        raise InvalidNationalId("length", f"has {len(value)} characters; a national ID has 10 (a letter and 9 digits)")
    if value[0] not in LETTER_CODES:
        raise InvalidNationalId("letter", f"must start with a region letter A–Z, not {value[0]!r}")
    if value[1] not in _KINDS:
        raise InvalidNationalId(
            "second", f"second character {value[1]!r} is not used (1 or 2 for citizens, 0 for synthetic IDs)"
        )
    if not value[2:].isdigit() or not value[2:].isascii():
        raise InvalidNationalId("digits", "characters 3–10 must be digits")
    expected = check_digit(value[:9])
    if int(value[9]) != expected:
        raise InvalidNationalId("check_digit", f"check digit is {value[9]}, expected {expected}", expected)
    kind, sex = _KINDS[value[1]]
    return NationalId(value=value, kind=kind, sex=sex, region=REGIONS[value[0]])


def is_valid(text: str) -> bool:
    try:
        parse(text)
    except InvalidNationalId:
        return False
    return True


def is_synthetic(text: str) -> bool:
    """In the never-issued range (second character ``0``) and otherwise valid."""
    try:
        return parse(text).kind is Kind.SYNTHETIC
    except InvalidNationalId:
        return False


def synthetic(serial: int, letter: str = SYNTHETIC_LETTER) -> str:
    """The synthetic ID with this serial (0 ≤ serial < 10,000,000) and region letter, check digit included."""
    if not 0 <= serial < SYNTHETIC_SERIALS:
        raise ValueError(f"serial {serial} is outside 0–{SYNTHETIC_SERIALS - 1}")
    if letter not in LETTER_CODES:
        raise ValueError(f"unknown region letter {letter!r}")
    first = f"{letter}{SYNTHETIC_SECOND}{serial:07d}"
    return first + str(check_digit(first))


def mask(value: str) -> str:
    """For lists and messages: the letter, the second character and the last three digits (``A1*****789``)."""
    return value[:2] + "*" * (len(value) - 5) + value[-3:] if len(value) == 10 else "*" * len(value)
