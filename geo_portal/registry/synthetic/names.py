"""Names for the synthetic register: common Taiwanese surnames with their approximate shares, and given-name
characters by sex. Used by ``plan`` only; none of this is anyone's data.

Surname shares follow the Ministry of the Interior's national name statistics (陳 about 11 %, 林 8 %, 黃 6 % …),
rounded, with the Hakka surnames common in Hsinchu (彭, 徐, 范, 鍾, 邱, 劉) a little heavier. Given names are one or
two characters drawn from lists of characters frequent in names of each sex.
"""

from __future__ import annotations

# (surname, weight in ‰)
SURNAMES: tuple[tuple[str, int], ...] = (
    ("陳", 110),
    ("林", 82),
    ("黃", 60),
    ("張", 53),
    ("李", 51),
    ("王", 41),
    ("吳", 40),
    ("劉", 36),
    ("蔡", 29),
    ("楊", 26),
    ("許", 23),
    ("鄭", 19),
    ("謝", 18),
    ("郭", 17),
    ("洪", 15),
    ("邱", 19),
    ("曾", 16),
    ("廖", 13),
    ("賴", 13),
    ("徐", 16),
    ("周", 11),
    ("葉", 11),
    ("蘇", 10),
    ("莊", 9),
    ("呂", 9),
    ("江", 8),
    ("何", 8),
    ("蕭", 7),
    ("羅", 8),
    ("高", 7),
    ("潘", 7),
    ("簡", 6),
    ("朱", 6),
    ("鍾", 9),
    ("游", 6),
    ("彭", 12),
    ("詹", 6),
    ("胡", 6),
    ("施", 5),
    ("沈", 5),
    ("余", 5),
    ("盧", 5),
    ("梁", 5),
    ("趙", 5),
    ("顏", 5),
    ("柯", 5),
    ("翁", 5),
    ("魏", 4),
    ("孫", 4),
    ("戴", 4),
    ("范", 8),
    ("方", 3),
    ("宋", 3),
    ("鄧", 3),
    ("杜", 3),
    ("傅", 3),
    ("侯", 3),
    ("曹", 3),
    ("薛", 2),
    ("丁", 2),
    ("卓", 2),
    ("阮", 2),
    ("馬", 2),
    ("董", 2),
    ("温", 2),
    ("唐", 2),
    ("藍", 2),
    ("蔣", 2),
    ("石", 2),
    ("古", 2),
    ("紀", 2),
    ("姚", 2),
    ("連", 2),
    ("馮", 2),
    ("歐", 2),
    ("程", 2),
    ("湯", 2),
)

MALE_CHARACTERS = (
    "家志建俊明宏偉文冠宇承哲翰彥柏豪傑德信凱賢仁育昇廷維誠軒祐睿恩博安勝勛泓國正榮輝忠民健成昌嘉銘偉哲毅霖"
    "智勇皓宸鈞浩瑋崇義峰聖群耀奕霆紹竣"
)
FEMALE_CHARACTERS = (
    "淑美玉惠雅婷怡佳欣宜芳如靜萱琪筱涵詩慧珊玲君雯雲瑜蓉琳貞秀麗芬娟庭敏潔瑩珍鳳蘭華慈薇妤彤晴瑄瑾璇歆妍琦心穎甄苡芸"
)
