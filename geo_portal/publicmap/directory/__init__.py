"""The public directory pages: a road's page (its numbers on each side, its lanes and alleys, its zip codes, a map)
and an entrance's page (every unit registered under one house number: floors and 之 numbers). ``selectors`` read,
``sql`` holds their statements, ``views`` render ``templates/publicmap/road.html`` and ``entrance.html``."""
