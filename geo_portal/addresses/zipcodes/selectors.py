"""Reads of the stored zip-code rules for cards and answers: the 3-digit fallback of a plate that no rule covers.

Roads newer than Chunghwa Post's published rules (介壽一路: 1,057 plates in 東區) have no 3+3 code. Their first three
digits are still known from the rules: those of the road's own rules when it has some (a number beyond them),
otherwise those of the district's rules. When the rules give several, the most common wins (東區: 300 on 481 rules,
308 on 3 park roads). Such a code is partial and must be flagged so wherever it is shown. Called by the public
map's card (``publicmap``); the search answers may use it too.
"""

from __future__ import annotations

from django.conf import settings
from django.db import connections

# The road's rules decide when it has any; the district's otherwise. Ties give nothing (no honest guess).
ZIP_PREFIX_SQL = """
WITH candidates AS (
    SELECT left(zip_code, 3) AS prefix, count(*) AS n
    FROM addresses_zipcoderule
    WHERE county = %(county)s AND district = %(district)s AND (road = %(road)s OR NOT EXISTS (
        SELECT 1 FROM addresses_zipcoderule r
        WHERE r.county = %(county)s AND r.district = %(district)s AND r.road = %(road)s))
    GROUP BY 1
)
SELECT prefix FROM candidates c
WHERE n > ALL (SELECT n FROM candidates o WHERE o.prefix <> c.prefix)"""


def zip_prefix_fallback(*, county: str, district: str, road: str) -> str:
    """The 3-digit zip code the rules give a plate on ``road`` that no rule covers ('' when they give none)."""
    with connections[settings.SEARCH_DB].cursor() as cursor:
        cursor.execute(ZIP_PREFIX_SQL, {"county": county, "district": district, "road": road})
        row = cursor.fetchone()
    return row[0] if row else ""
