import pytest

from geo_portal.core.numerals import cn_to_int, int_to_cn


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("一", 1),
        ("十", 10),
        ("十七", 17),
        ("二十", 20),
        ("二十一", 21),
        ("一百零一", 101),
        ("一百一十", 110),
        ("三百", 300),
        ("一千零五", 1005),
        ("廿一", 21),
        ("一〇五", 105),
        ("兩", 2),
    ],
)
def test_cn_to_int(text, value):
    assert cn_to_int(text) == value


@pytest.mark.parametrize("text", ["", "十十", "一二十", "路", "百千"])
def test_cn_to_int_rejects_malformed(text):
    with pytest.raises(ValueError):
        cn_to_int(text)


@pytest.mark.parametrize(
    ("value", "text"),
    [(1, "一"), (2, "二"), (10, "十"), (17, "十七"), (20, "二十"), (105, "一百零五"), (110, "一百一十"), (1005, "一千零五")],
)
def test_int_to_cn(value, text):
    assert int_to_cn(value) == text
    assert cn_to_int(text) == value


def test_int_to_cn_range():
    with pytest.raises(ValueError, match="out of range"):
        int_to_cn(0)
