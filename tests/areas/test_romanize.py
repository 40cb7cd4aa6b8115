import pytest

from geo_portal.areas.romanize import road_english


@pytest.mark.parametrize(
    ("zh", "en"),
    [
        ("光復路", "Guangfu Rd."),
        ("介壽一路", "Jieshou 1st Rd."),
        ("公道五路", "Gongdao 5th Rd."),
        ("工業東一路", "Gongye E. 1st Rd."),
        ("新科一街", "Xinke 1st St."),
        ("力行二十一路", "Lixing 21st Rd."),
        ("力行十二路", "Lixing 12th Rd."),
        ("綠水路", "Lyushui Rd."),
        ("中正大道", "Zhongzheng Blvd."),
        ("東大路", "Dongda Rd."),
        ("光明新村", "Guangmingxincun"),
    ],
)
def test_moi_style_pinyin(zh, en):
    assert road_english(zh) == en
