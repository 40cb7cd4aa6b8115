"""The OpenAPI schema's view of the API: public endpoints say so, and the answers' grades are explained.

drf-spectacular marks every operation with the session-cookie scheme (``SessionAuthentication`` is the default
authenticator: a signed-in staff member gets a higher rate), which Swagger UI shows as a padlock on every public
endpoint. ``PublicAutoSchema`` leaves the security requirement out of operations that anyone may call, so the docs
show no padlock there; an endpoint with a real permission keeps it. Set as ``DEFAULT_SCHEMA_CLASS``.
"""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from rest_framework.permissions import AllowAny


class PublicAutoSchema(AutoSchema):
    def get_auth(self) -> list[dict]:
        if all(isinstance(permission, AllowAny) for permission in self.view.get_permissions()):
            return []  # anyone may call it: no security requirement, no padlock
        return super().get_auth()


# What each grade of a geocoding answer means, for the schema's enum description (the answer's own ``notes`` say
# what was corrected in a given case).
GRADE_DOCS = {
    "exact": "the plate whose canonical address was typed, character for character (confident)",
    "normalised": (
        "the plate, found after reading the text's written form (臺/台, full-width or Chinese numerals,"
        " 之 or '-', F for 樓, spaces, a district or zip prefix, English); nothing was guessed (confident)"
    ),
    "fuzzy": (
        "the plate, found after a correction the notes name (a road type word left out, a one-character"
        " slip in the road name where only one road fits) (confident, but check the notes)"
    ),
    "base": (
        "the floor or unit asked for is not registered; the answer is its entrance (the building number),"
        " with the registered floors as suggestions (not the unit asked for)"
    ),
    "interpolated": (
        "the number does not exist; an approximate position between the neighbouring numbers on"
        " the same side of the road (no plate: plate_id is null)"
    ),
    "none": (
        "no match; the suggestions list the nearest existing numbers, and an address outside the covered"
        " districts says so in the notes"
    ),
}
