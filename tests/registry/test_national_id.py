"""National ID validation: format, check digit, kinds, the synthetic range (no Django, no database)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from geo_portal.registry import national_id
from geo_portal.registry.national_id import InvalidNationalId, Kind

VALID = [
    # (ID, kind, sex, region): textbook examples and numbers built by hand with the weighted sum
    ("A123456789", Kind.CITIZEN, "M", "臺北市"),
    ("A234567893", Kind.CITIZEN, "F", "臺北市"),
    ("F131104093", Kind.CITIZEN, "M", "新北市"),
    ("O100000004", Kind.CITIZEN, "M", "新竹市"),
    ("I200000005", Kind.CITIZEN, "F", "嘉義市"),
    ("Z100000002", Kind.CITIZEN, "M", "連江縣"),
    ("W200000003", Kind.CITIZEN, "F", "金門縣"),
    ("A800000014", Kind.RESIDENT, "M", "臺北市"),
    ("F900000011", Kind.RESIDENT, "F", "新北市"),
    ("AC01234567", Kind.OLD_RESIDENT, "M", "臺北市"),
    ("O000000002", Kind.SYNTHETIC, None, "新竹市"),
    ("O012345678", Kind.SYNTHETIC, None, "新竹市"),
    ("A000000009", Kind.SYNTHETIC, None, "臺北市"),
]


@pytest.mark.parametrize(("value", "kind", "sex", "region"), VALID)
def test_valid_ids_parse_with_kind_sex_and_region(value, kind, sex, region):
    parsed = national_id.parse(value)
    assert (parsed.value, parsed.kind, parsed.sex, parsed.region) == (value, kind, sex, region)


@pytest.mark.parametrize(
    ("text", "normalised"),
    [("a123456789", "A123456789"), (" A1234-56789 ", "A123456789"), ("Ａ１２３４５６７８９", "A123456789")],
)
def test_input_is_normalised(text, normalised):
    assert national_id.parse(text).value == normalised


INVALID = [
    ("", "empty", "is empty"),
    ("A12345678", "length", "has 9 characters; a national ID has 10 (a letter and 9 digits)"),
    ("A1234567890", "length", "has 11 characters; a national ID has 10 (a letter and 9 digits)"),
    ("1123456789", "letter", "must start with a region letter A–Z, not '1'"),
    ("A323456789", "second", "second character '3' is not used (1 or 2 for citizens, 0 for synthetic IDs)"),
    ("A723456789", "second", "second character '7' is not used (1 or 2 for citizens, 0 for synthetic IDs)"),
    ("AE23456789", "second", "second character 'E' is not used (1 or 2 for citizens, 0 for synthetic IDs)"),
    ("A12345678X", "digits", "characters 3–10 must be digits"),
    ("A1234５6789", "check_digit", "check digit is 9, expected 9"),  # full-width ５ is folded: valid after all
    ("A123456788", "check_digit", "check digit is 8, expected 9"),
    ("A123456780", "check_digit", "check digit is 0, expected 9"),
    ("O000000001", "check_digit", "check digit is 1, expected 2"),
    ("F131104094", "check_digit", "check digit is 4, expected 3"),
]


@pytest.mark.parametrize(("text", "code", "message"), [c for c in INVALID if c[0] != "A1234５6789"])
def test_invalid_ids_name_the_reason(text, code, message):
    with pytest.raises(InvalidNationalId) as exc:
        national_id.parse(text)
    assert (exc.value.code, str(exc.value)) == (code, message)


def test_full_width_digits_are_folded_before_checking():
    assert national_id.parse("A1234５6789").value == "A123456789"


def test_check_digit_expected_is_given():
    with pytest.raises(InvalidNationalId) as exc:
        national_id.parse("A123456781")
    assert exc.value.expected == 9


def test_a_swapped_pair_of_neighbouring_digits_is_caught():
    assert national_id.is_valid("A123456789")
    assert not national_id.is_valid("A124356789")  # digits 3 and 4 swapped
    assert not national_id.is_valid("A123546789")  # digits 5 and 6 swapped


def test_synthetic_ids_are_valid_in_range_and_never_a_citizens():
    ids = [national_id.synthetic(serial) for serial in (0, 1, 42, 1_234_567, 9_999_999)]
    assert ids == ["O000000002", "O000000011", "O000000422", "O012345678", "O099999990"]
    for value in ids:
        parsed = national_id.parse(value)
        assert parsed.kind is Kind.SYNTHETIC and parsed.sex is None
        assert national_id.is_synthetic(value)
    assert national_id.synthetic(5, letter="A") == "A000000054"
    assert not national_id.is_synthetic("A123456789")
    assert not national_id.is_synthetic("O000000001")  # synthetic range, wrong check digit


def test_synthetic_serial_out_of_range_is_refused():
    with pytest.raises(ValueError, match="serial 10000000 is outside 0–9999999"):
        national_id.synthetic(10_000_000)
    with pytest.raises(ValueError, match="unknown region letter '1'"):
        national_id.synthetic(1, letter="1")


def test_mask_keeps_letter_kind_and_last_three():
    assert national_id.mask("A123456789") == "A1*****789"


@given(st.integers(0, national_id.SYNTHETIC_SERIALS - 1), st.sampled_from(sorted(national_id.LETTER_CODES)))
def test_every_synthetic_id_is_valid_and_synthetic(serial, letter):
    value = national_id.synthetic(serial, letter)
    assert national_id.parse(value).kind is Kind.SYNTHETIC


@given(
    st.sampled_from(sorted(national_id.LETTER_CODES)), st.sampled_from("12"), st.integers(0, 9_999_999), st.integers(1, 9)
)
def test_changing_the_check_digit_always_invalidates(letter, second, serial, shift):
    first = f"{letter}{second}{serial:07d}"
    right = national_id.check_digit(first)
    assert national_id.is_valid(first + str(right))
    assert not national_id.is_valid(first + str((right + shift) % 10))


@given(st.sampled_from(sorted(national_id.LETTER_CODES)), st.integers(0, 9_999_999))
def test_no_synthetic_id_equals_any_issued_kind(letter, serial):
    value = national_id.synthetic(serial, letter)
    assert value[1] not in "1289ABCDXY"
