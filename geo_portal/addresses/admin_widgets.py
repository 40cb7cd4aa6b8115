"""Widgets of the door-plate admin: road, village and 鄰 chosen by name from a type-ahead list (Django admin's own
select2 and ``autocomplete.js``), fed by the plate admin's choices endpoint for one district or village.

Django's ``autocomplete_fields`` would ask the road and village admins, which list every district and which a clerk
may not see; this widget asks ``DoorPlateAdmin.choices_view`` instead (the plate's district only). The selected
value is rendered as an option with its name, so the page shows 光復路二段 or 光明里, never an id.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib.admin.widgets import AutocompleteMixin, get_select2_language


class NameChoiceSelect(forms.Select):
    """A type-ahead select over ``url`` (select2 JSON: ``results`` of ``id``/``text``, ``pagination.more``).

    ``label`` names the selected value; ``tags`` lets the user type a value the list does not hold (a new 鄰).
    """

    def __init__(self, *, url: str, params: dict[str, Any], label: Any, tags: bool = False, attrs=None) -> None:
        super().__init__(attrs)
        self.url, self.params, self.label, self.tags = url, params, label, tags
        self.i18n_name = get_select2_language()  # read by the admin's media below

    def build_attrs(self, base_attrs, extra_attrs=None):
        attrs = super().build_attrs(base_attrs, extra_attrs=extra_attrs)
        query = {k: v for k, v in self.params.items() if v not in (None, "")}
        attrs.setdefault("class", "")
        attrs["class"] = (attrs["class"] + " admin-autocomplete").strip()
        attrs |= {
            "data-ajax--cache": "true",
            "data-ajax--delay": 250,
            "data-ajax--type": "GET",
            "data-ajax--url": self.url + ("?" + urlencode(query) if query else ""),
            "data-theme": "admin-autocomplete",
            "data-allow-clear": "true" if not self.is_required else "false",
            "data-placeholder": "",
            "lang": self.i18n_name,
        }
        if self.tags:
            attrs["data-tags"] = "true"
        return attrs

    def optgroups(self, name, value, attrs=None):
        """Only the selected value, named (the rest comes from the endpoint as the user types)."""
        chosen = [v for v in value if v not in (None, "")]
        options = [self.create_option(name, v, self.label(v), True, i) for i, v in enumerate(chosen)]
        if not self.is_required:
            options.insert(0, self.create_option(name, "", "", not chosen, 0))
        return [(None, options, 0)]

    @property
    def media(self) -> forms.Media:
        return AutocompleteMixin.media.fget(self)  # the admin's select2, its translations and autocomplete.js
