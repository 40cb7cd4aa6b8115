"""The match grade of the address search (``Grade``), on its own: records that keep a geocoding grade (service points)
declare their field with it without loading the search itself at start-up (``search.results`` re-exports it)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Grade(models.TextChoices):
    """How an answer was found, best first; a wrong confident answer is worse than ``NONE``."""

    EXACT = "exact", _("exact match")  # typed in canonical form
    NORMALISED = "normalised", _("match after normalisation")  # numerals, 臺/台, 之/-, 樓/F, spacing…
    FUZZY = "fuzzy", _("road name corrected")
    BASE = "base", _("entrance of the unit asked for")  # the floor/之 unit is unknown
    INTERPOLATED = "interpolated", _("interpolated position")  # between two numbers on the same side
    NONE = "none", _("no match")


CONFIDENT_GRADES = (Grade.EXACT, Grade.NORMALISED, Grade.FUZZY)
