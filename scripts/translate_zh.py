"""Fill the zh_Hant catalogue's empty msgstr entries from the glossary below (run after makemessages).

Kept as a script so the glossary (ARCHITECTURE.md §1) stays the single source of the Chinese labels.
"""

import re
import sys
from pathlib import Path

GLOSSARY = {
    "Door-plate platform": "門牌地址平台",
    "Language": "語言",
    "Switch": "切換",
    "Loaded districts": "已載入的行政區",
    "Door plates, roads, villages and buildings per district": "各行政區的門牌、道路、村里與建物數",
    "District": "行政區",
    "MOI code": "內政部代碼",
    "Villages": "村里",
    "Villages with boundary": "有界線的村里",
    "Roads": "道路",
    "Active door plates": "現行門牌",
    "Retired door plates": "已廢止門牌",
    "Buildings": "建物",
    "Plates linked to a building": "已連結建物的門牌",
    "No district is loaded yet. Run “make demo” to load one.": "尚未載入任何行政區。請執行「make demo」載入。",
    "Any written form: 光復路2段101-1號5F, 光復路二段一百零一之一號五樓…": (
        "任何寫法皆可：光復路2段101-1號5F、光復路二段一百零一之一號五樓…"
    ),
    "Components": "地址組成",
    "Lifecycle": "生命週期",
    "Provenance": "來源",
    "history (old values)": "異動歷程（舊值）",
    "addresses": "門牌",
    "active": "現行",
    "retired": "已廢止",
    "ok": "良好",
    "missing": "遺失",
    "damaged or illegible": "毀損或不清",
    "old style": "舊式",
    "unknown": "未知",
    "district": "行政區",
    "village": "村里",
    "neighbourhood": "鄰",
    "road": "街路段",
    "area name (地區)": "地區",
    "lane (巷)": "巷",
    "alley (弄)": "弄",
    "number prefix (附/臨)": "號前綴（附/臨）",
    "number (號)": "號",
    "sub-number (之, before 號)": "之號（號前）",
    "sub-number (之, after 號)": "之號（號後）",
    "floor (樓; negative = basement)": "樓（負數為地下）",
    "floor unit": "樓層單位",
    "floor sub-number (樓之)": "樓之",
    "canonical street address": "標準街道地址",
    "normalised key": "正規化鍵值",
    "canonical address": "標準地址",
    "location": "位置",
    "status": "狀態",
    "retired on": "廢止日期",
    "retirement reason": "廢止原因",
    "replaced by": "改編為",
    "plate condition": "門牌狀況",
    "last checked on": "最近清查日期",
    "source batch": "來源批次",
    "created at": "建立時間",
    "updated at": "更新時間",
    "door plate": "門牌",
    "door plates": "門牌",
    "areas": "行政區域",
    "name": "名稱",
    "English name": "英文名稱",
    "county/city": "縣市",
    "counties/cities": "縣市",
    "household registration code": "戶政代碼",
    "boundary": "界線",
    "boundary source": "界線來源",
    "districts": "鄉鎮市區",
    "villages": "村里",
    "number": "編號",
    "neighbourhoods": "鄰",
    "Road with section in Chinese numerals, e.g. 光復路二段": "含段的路名，段以國字表示，例如光復路二段",
    "road name without section": "不含段的路名",
    "section": "段",
    "roads": "街路段",
    "variant spelling": "異體字",
    "former name": "舊名",
    "English": "英文",
    "alias": "別名",
    "kind": "類別",
    "road alias": "道路別名",
    "road aliases": "道路別名",
    "buildings": "建物",
    "footprint": "建物輪廓",
    "floors above ground": "地上樓層數",
    "height (m)": "高度（公尺）",
    "structure": "構造",
    "source": "來源",
    "ID in the source": "來源編號",
    "building": "建物",
    "inside the footprint": "位於輪廓內",
    "nearest within tolerance": "容許距離內最近",
    "method": "方法",
    "distance (m)": "距離（公尺）",
    "plate–building link": "門牌與建物連結",
    "plate–building links": "門牌與建物連結",
    "Traditional Chinese": "繁體中文",
    "demo": "示範資料",
    "ingest": "資料匯入",
    "village attributes": "村里屬性",
    "boundaries": "界線",
    "road names": "路名",
    "applied": "已套用",
    "dry run": "試跑",
    "failed": "失敗",
    "source file": "來源檔案",
    "SHA-256 of the source": "來源檔 SHA-256",
    "options": "選項",
    "counts": "筆數",
    "rejected-rows report": "退件報表",
    "message": "訊息",
    "started at": "開始時間",
    "finished at": "完成時間",
    "import batch": "匯入批次",
    "import batches": "匯入批次",
    "publicmap": "公開地圖",
    "Door plates": "門牌",
    "3+3 zip code": "3+3 郵遞區號",
    "delivery scope": "投遞範圍",
    "zip-code rule": "郵遞區號規則",
    "zip-code rules": "郵遞區號規則",
    "API": "應用程式介面",
    "official table": "官方對照表",
    "Hanyu Pinyin fallback": "漢語拼音（替代）",
    "month (first day)": "月份（首日）",
    "households": "戶數",
    "residents": "人口數",
    "male residents": "男性人口",
    "female residents": "女性人口",
    "men by age": "男性各歲人口",
    "women by age": "女性各歲人口",
    "source of the English name": "英文名稱來源",
    "neighbourhoods (registered)": "鄰數（戶籍登記）",
    "neighbourhoods (with door plates)": "鄰數（現有門牌）",
    "village population": "村里人口",
    "line in the source": "來源列號",
    # reports
    "citizen reports": "民眾通報",
    "citizen report": "民眾通報",
    "plate missing": "門牌遺失",
    "plate damaged or illegible": "門牌毀損或不清",
    "plate in the wrong position": "門牌位置錯誤",
    "building without a plate": "建物未釘門牌",
    "other problem": "其他問題",
    "new": "新通報",
    "in review": "處理中",
    "resolved": "已解決",
    "rejected": "不受理",
    "reference number": "案件編號",
    "kind of problem": "問題類別",
    "description": "說明",
    "photo": "照片",
    "photo keeps its location": "照片保留位置資訊",
    "The reporter chose to keep the GPS position in the photo's EXIF data.": "通報人選擇保留照片 EXIF 中的 GPS 位置。",
    "contact": "聯絡方式",
    "staff note": "承辦備註",
    "client hash": "來源雜湊值",
    "Report": "通報內容",
    "Reference number (R-20261127-7K3Q9) or part of the plate's address": "案件編號（R-20261127-7K3Q9）或門牌地址的一部分",
    "Open the photo": "開啟照片",
    "Choose the kind of problem.": "請選擇問題類別。",
    "Unknown kind of problem; choose one of: %(choices)s.": "未知的問題類別；請選擇：%(choices)s。",
    "Describe the problem when the kind is “other”.": "問題類別為「其他」時，請說明問題。",
    "The description is too long (%(count)d characters); the limit is %(limit)d.": (
        "說明過長（%(count)d 字）；上限為 %(limit)d 字。"
    ),
    "The description contains a null character.": "說明含有空字元。",
    "The contact is too long (%(count)d characters); the limit is %(limit)d.": (
        "聯絡方式過長（%(count)d 字）；上限為 %(limit)d 字。"
    ),
    "The contact contains a null character.": "聯絡方式含有空字元。",
    "Choose a door plate or a point on the map.": "請選擇門牌或在地圖上點選位置。",
    "The door plate must be given by its number (id).": "門牌須以其編號（id）指定。",
    "Door plate %(id)d does not exist or is no longer in use.": "門牌 %(id)d 不存在或已廢止。",
    "The longitude must be a number.": "經度須為數字。",
    "The latitude must be a number.": "緯度須為數字。",
    "Give both the longitude and the latitude.": "請同時提供經度與緯度。",
    "The point (%(lon)s, %(lat)s) is outside Taiwan.": "位置（%(lon)s, %(lat)s）不在臺灣範圍內。",
    "The photo is too large (%(size)s); the limit is %(limit)s.": "照片過大（%(size)s）；上限為 %(limit)s。",
    "The photo is too large; the limit is %(limit)s.": "照片過大；上限為 %(limit)s。",
    "The photo file is empty.": "照片檔案是空的。",
    "The photo is not a JPEG, PNG or HEIC image.": "照片不是 JPEG、PNG 或 HEIC 圖檔。",
    "The photo has too many pixels.": "照片像素過多。",
    "The photo has too many pixels (%(width)d × %(height)d); the limit is %(limit)d million.": (
        "照片像素過多（%(width)d × %(height)d）；上限為 %(limit)d 百萬像素。"
    ),
    "The photo file is damaged or incomplete.": "照片檔案損壞或不完整。",
    "The photo must be sent as a file.": "照片須以檔案上傳。",
    "This field must be left empty.": "此欄位必須留空。",
    "The report was not accepted; please check the fields marked.": "通報未被受理，請檢查標示的欄位。",
    "Thank you. Your report has been received; its reference number is %(reference)s.": (
        "謝謝您！我們已收到您的通報，案件編號為 %(reference)s。"
    ),
    "Too many reports from your connection; try again in %(minutes)d min.": (
        "您的連線通報次數過多，請於 %(minutes)d 分鐘後再試。"
    ),
    "The form has expired or was not sent from this site; reload the page and send it again.": (
        "表單已過期或並非從本網站送出；請重新整理頁面後再送出。"
    ),
    "You may not view citizen reports.": "您沒有檢視民眾通報的權限。",
    "This report has no photo.": "此通報沒有照片。",
    "The photo file is missing.": "照片檔案不存在。",
    # a wrapped msgid that fill() could not match before it joined wrapped lines
    "地下1樓 and 地下1層 are registered as different plates at some addresses": "部分地址的地下1樓與地下1層登記為不同門牌",
}


def fill(path: Path) -> int:
    text = path.read_text(encoding="utf-8")
    missing = []

    def replace(match: re.Match) -> str:
        msgid = match.group(1)
        translated = GLOSSARY.get(msgid)
        if translated is None:
            missing.append(msgid)
            return match.group(0)
        return f'msgid "{msgid}"\nmsgstr "{translated}"'

    # makemessages wraps long msgids ('msgid ""' then '"…"' lines): join them so the glossary can match them.
    text = re.sub(
        r'^msgid ""\n((?:".*"\n)+)',
        lambda m: 'msgid "' + "".join(line[1:-1] for line in m.group(1).splitlines()) + '"\n',
        text,
        flags=re.MULTILINE,
    )
    # msgmerge guesses translations for new strings from similar old ones ("fuzzy"): never keep a guess. The guess
    # may be wrapped over lines, and other flags (python-format) stay.
    text = re.sub(
        r'#, fuzzy((?:, [\w-]+)*)\n(?:#\| .*\n)+(msgid ".+"\n)msgstr ".*"\n(?:".*"\n)*',
        lambda m: (f"#{m.group(1)}\n" if m.group(1) else "") + m.group(2) + 'msgstr ""\n',
        text,
    )
    # Only an empty msgstr: 'msgstr ""' followed by '"…"' lines is a wrapped translation, already there.
    text = re.sub(r'msgid "(.+)"\nmsgstr ""(?=\n(?!")|\Z)', replace, text)
    path.write_text(text.replace("#, fuzzy\n", "", 1), encoding="utf-8")
    for msgid in missing:
        print(f"no translation for {msgid!r}", file=sys.stderr)
    return len(missing)


if __name__ == "__main__":
    sys.exit(1 if fill(Path(sys.argv[1])) else 0)
