import pytest

from geo_portal.addresses.search.english import EnglishAddress, looks_english, parse_english


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "No. 101, Sec. 2, Guangfu Rd., East Dist., Hsinchu City 300",
            EnglishAddress("Guangfu Rd.", 2, "", "", 101, None, None, None),
        ),
        (
            "5F-2, No. 101-1, Aly. 3, Ln. 12, Sec. 1, Dongda Rd., East Dist.",
            EnglishAddress("Dongda Rd.", 1, "12", "3", 101, 1, 5, 2),
        ),
        ("B1, No. 6, Zhucun 7th Rd.", EnglishAddress("Zhucun 7th Rd.", None, "", "", 6, None, -1, None)),
        ("no 8 daxue road", EnglishAddress("Daxue Rd.", None, "", "", 8, None, None, None)),
        ("No. 8, Gongye E. 1st Rd., Hsinchu", EnglishAddress("Gongye E. 1st Rd.", None, "", "", 8, None, None, None)),
    ],
)
def test_parse_english(text, expected):
    assert looks_english(text)
    assert parse_english(text) == expected


def test_section_in_road_name_form():
    assert parse_english("No. 1, Sec. 2, Guangfu Rd.").road_name_en == "Sec. 2, Guangfu Rd."


@pytest.mark.parametrize("text", ["光復路二段101號", "Guangfu Rd.", "12345"])
def test_not_english_addresses(text):
    assert not looks_english(text)


def test_unreadable_english_is_none():
    assert parse_english("No. seven, somewhere") is None
