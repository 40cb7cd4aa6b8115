"""The door-plate admin form: every admin save goes through the versioned plate services (``addresses.plates``).

``DoorPlateAdminForm`` carries the version the user loaded (hidden), a reason for the change, the successors (plate
ids) and the retirement date. Validating a bound form decides from what changed which services to call — in one
transaction, each given the version the previous one returned — and puts ``PlateRefused`` reasons next to the
fields they name. A stale version (someone saved in between) is a form-level error naming who changed the plate,
when, and what they changed; the user's input is kept, fields only the other person changed take their new values,
and the next save is checked against the current version. Used by ``addresses.admin.DoorPlateAdmin`` only.
"""

from __future__ import annotations

import re
from typing import Any

import pghistory
from django import forms
from django.db import transaction
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from geo_portal.addresses.models import DoorPlate
from geo_portal.addresses.plates import (
    Components,
    PlateRefused,
    StalePlate,
    plate_change_address,
    plate_create,
    plate_move,
    plate_restore,
    plate_retire,
    plate_set_condition,
)
from geo_portal.areas.models import Neighborhood, Road
from geo_portal.changes.context import Cause

# Service field names → this form's field names (the rest are the same on both sides or form-level).
FORM_FIELD = {
    "point": "geom",
    "neighborhood": "neighborhood_number",
    "successors": "successor_ids",
    "checked_on": "last_checked_on",
    "evidence": "condition_evidence",
}
# The editable values compared to find what changed (and what someone else changed, for a stale form).
TRACKED = (*DoorPlate.COMPONENT_FIELDS, "neighborhood_number", "geom", "status", "retired_on", "condition")
TRACKED += ("last_checked_on", "condition_evidence")
MOVE_TOLERANCE_M = 0.01  # a map widget's round trip through lon/lat is not bit-exact; a move is ≥ 1 cm


def plate_values(obj: Any) -> dict[str, Any]:
    """The tracked values of a plate or of one of its history events (which hold the same columns)."""
    values = {name: getattr(obj, name) for name in TRACKED if name not in ("road", "neighborhood_number")}
    values["road"] = obj.road_id
    values["neighborhood_number"] = (
        Neighborhood.objects.filter(pk=obj.neighborhood_id).values_list("number", flat=True).first()
        if obj.neighborhood_id
        else None
    )
    return values


def same(name: str, a: Any, b: Any) -> bool:
    a, b = (getattr(v, "pk", v) for v in (a, b))  # a road as its id
    if name == "geom" and a is not None and b is not None:
        return a.transform(b.srid, clone=True).distance(b) <= MOVE_TOLERANCE_M
    return a == b


class DoorPlateAdminForm(forms.ModelForm):
    seen_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    neighborhood_number = forms.IntegerField(label=_("neighbourhood (鄰)"), required=False)
    successor_ids = forms.CharField(
        label=_("replaced by (plate ids)"),
        required=False,
        help_text=_("When retiring: the ids of the active plates that replace this one, separated by commas."),
    )
    reason = forms.CharField(
        label=_("reason for this change"),
        required=False,
        max_length=200,
        help_text=_("Required when the plate moves, is retired or is restored."),
    )

    actor: object = None  # the signed-in user; set per request by the admin
    cause = Cause.ADMIN_EDIT

    class Meta:
        model = DoorPlate
        fields = ["district", "village", "geom", *DoorPlate.COMPONENT_FIELDS, "status", "retired_on", "condition"]
        fields += ["last_checked_on", "condition_evidence"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.warnings: list[str] = []
        plate = self.instance
        if plate.pk:
            self.initial.setdefault("seen_version", plate.version)
            self.initial.setdefault("neighborhood_number", plate.neighborhood.number if plate.neighborhood_id else None)
            ids = sorted(plate.successors.values_list("pk", flat=True))
            self.initial.setdefault("successor_ids", ", ".join(map(str, ids)))

    def clean_successor_ids(self) -> list[int]:
        ids = []
        for part in re.split(r"[\s,，、]+", self.cleaned_data["successor_ids"].strip()):
            if not part:
                continue
            if not part.isdigit():
                raise forms.ValidationError(_("“%(value)s” is not a plate id"), params={"value": part})
            ids.append(int(part))
        return sorted(set(ids))

    # --- saving through the services -----------------------------------------------------------------------------

    def _post_clean(self) -> None:
        # Not ModelForm's construct-and-validate-the-instance: the services validate and write; the admin's save
        # then only hands on the plate they returned.
        if self.errors:
            return
        try:
            reason = (self.cleaned_data.get("reason") or "").strip()
            # A refusal by a later service undoes the earlier ones; the reason goes into every history event.
            with transaction.atomic(), pghistory.context(**({"reason": reason} if reason else {})):
                plate = self._create() if self.instance.pk is None else self._change()
        except PlateRefused as exc:
            self._refused(exc)
        except StalePlate as exc:
            self._stale(exc)
        else:
            self.instance = plate

    def save(self, commit: bool = True) -> DoorPlate:
        """The plate as the services left it (already written during validation)."""
        self.save_m2m = lambda: None
        return self.instance

    def _components(self) -> Components:
        return Components(**{name: self.cleaned_data[name] for name in DoorPlate.COMPONENT_FIELDS})

    def _create(self) -> DoorPlate:
        cd = self.cleaned_data
        result = plate_create(
            district=cd["district"],
            components=self._components(),
            point=cd["geom"],
            village=cd.get("village"),
            neighborhood=cd["neighborhood_number"],
            condition=cd["condition"],
            actor=self.actor,
            cause=self.cause,
        )
        self.warnings += result.warnings
        plate = result.plate
        if cd.get("last_checked_on") or cd.get("condition_evidence"):
            plate = self._set_condition(plate.pk, plate.version)
        return plate

    def _set_condition(self, plate_id: int, version: int) -> DoorPlate:
        cd = self.cleaned_data
        if cd.get("last_checked_on") is None:
            raise PlateRefused({"checked_on": [gettext("is required when the condition or its evidence changes")]})
        return plate_set_condition(
            plate_id=plate_id,
            version=version,
            condition=cd["condition"],
            checked_on=cd["last_checked_on"],
            evidence=cd.get("condition_evidence") or "",
            actor=self.actor,
            cause=self.cause,
        )

    def _change(self) -> DoorPlate:
        cd, plate = self.cleaned_data, self.instance
        seen = cd.get("seen_version")
        if seen is None:
            raise PlateRefused({"seen_version": [gettext("the form says no version; reload the page")]})
        if seen != plate.version:  # the services would refuse it too, but only if something changed
            raise StalePlate(
                plate_id=plate.pk, seen=seen, current=plate.version, changed_at=plate.updated_at, changed_by=plate.updated_by
            )
        before = plate_values(plate)
        changed = {name for name in TRACKED if not same(name, before[name], cd[name])}
        successors_before = sorted(plate.successors.values_list("pk", flat=True))
        retiring = before["status"] == DoorPlate.Status.ACTIVE and cd["status"] == DoorPlate.Status.RETIRED
        restoring = before["status"] == DoorPlate.Status.RETIRED and cd["status"] == DoorPlate.Status.ACTIVE
        errors: dict[str, list[str]] = {}
        if "retired_on" in changed and not (retiring or restoring):
            errors["retired_on"] = [gettext("changes only when the plate is retired")]
        if retiring and cd["retired_on"] is None:
            errors["retired_on"] = [gettext("is required when the plate is retired")]
        if cd["successor_ids"] != successors_before and not retiring and not restoring:
            errors["successors"] = [gettext("are given only when the plate is retired")]
        if errors:
            raise PlateRefused(errors)
        common = {"plate_id": plate.pk, "actor": self.actor, "cause": self.cause}
        version = seen
        if restoring:
            plate = plate_restore(version=version, reason=cd["reason"], **common)
            version = plate.version
        if changed & {*DoorPlate.COMPONENT_FIELDS, "neighborhood_number"}:
            plate = plate_change_address(
                version=version, components=self._components(), neighborhood=cd["neighborhood_number"], **common
            )
            version = plate.version
        if "geom" in changed:
            result = plate_move(version=version, point=cd["geom"], reason=cd["reason"], **common)
            self.warnings += result.warnings
            plate, version = result.plate, result.plate.version
        if changed & {"condition", "last_checked_on", "condition_evidence"}:
            plate = self._set_condition(plate.pk, version)
            version = plate.version
        if retiring:
            plate = plate_retire(
                version=version, retired_on=cd["retired_on"], reason=cd["reason"], successor_ids=cd["successor_ids"],
                **common,
            )  # fmt: skip
        return plate

    # --- refusals ------------------------------------------------------------------------------------------------

    def _refused(self, exc: PlateRefused) -> None:
        for name, reasons in exc.errors.items():
            field = FORM_FIELD.get(name, name)
            if field in self.fields and field != "seen_version":
                self.add_error(field, list(reasons))
            else:
                self.add_error(None, [f"{name}: {reason}" for reason in reasons])

    def _stale(self, exc: StalePlate) -> None:
        """Who changed the plate, when, and what; the user's input stays, merged with what only they changed."""
        current_plate = DoorPlate.objects.get(pk=exc.plate_id)
        current = plate_values(current_plate)
        event = current_plate.events.filter(version=exc.seen).order_by("-pgh_id").first()
        posted = {name: self.cleaned_data.get(name) for name in TRACKED}
        posted["road"] = getattr(posted["road"], "pk", None)
        data = self.data.copy()
        data[self.add_prefix("seen_version")] = str(current_plate.version)
        rows = []
        if event is not None:
            loaded = plate_values(event)
            for name in TRACKED:
                if same(name, loaded[name], current[name]):
                    continue
                if same(name, posted[name], loaded[name]) or same(name, posted[name], current[name]):
                    data[self.add_prefix(name)] = self._as_data(name, current[name])
                    if name == "status":  # they retired or restored it: their successors come with it
                        ids = sorted(current_plate.successors.values_list("pk", flat=True))
                        data[self.add_prefix("successor_ids")] = ", ".join(map(str, ids))
                    rows.append((self._label(name), self._shown(name, loaded[name]), self._shown(name, current[name]), ""))
                else:  # both changed it: the user's value stays in the form, for them to decide
                    yours = format_html(gettext(" (you entered {}; kept in the form)"), self._shown(name, posted[name]))
                    rows.append(
                        (self._label(name), self._shown(name, loaded[name]), self._shown(name, current[name]), yours)
                    )
        else:  # history of the loaded version is gone: show where the form differs from the plate now
            for name in TRACKED:
                if not same(name, posted[name], current[name]):
                    rows.append((self._label(name), self._shown(name, posted[name]), self._shown(name, current[name]), ""))
        self.data = data
        when = timezone.localtime(exc.changed_at).strftime("%Y-%m-%d %H:%M:%S")
        message = format_html(
            "{}<ul>{}</ul>{}",
            gettext(
                "Not saved: {who} changed this door plate at {when} (now version {current}; you loaded version {seen})."
                " Their change:"
            ).format(who=exc.changed_by or gettext("someone"), when=when, current=exc.current, seen=exc.seen),
            format_html_join("", "<li>{}: {} → {}{}</li>", rows) if rows else format_html("<li>{}</li>", "—"),
            gettext(
                "Your input is kept below, with their values where only they changed something. Check it and save again."
            ),
        )
        self.add_error(None, message)

    def _label(self, name: str) -> str:
        return str(self.fields[name].label) if name in self.fields else name

    def _shown(self, name: str, value: Any) -> str:
        if value is None or value == "":
            return "—"
        if name == "road":
            return Road.objects.filter(pk=value).values_list("name", flat=True).first() or str(value)
        if name == "geom":
            lonlat = value.transform(4326, clone=True)
            return f"{lonlat.x:.6f}, {lonlat.y:.6f}"
        if name in ("status", "condition"):
            return str(dict(self.fields[name].choices).get(value, value))
        return str(value)

    def _as_data(self, name: str, value: Any) -> str:
        """A value as the browser would post it."""
        if value is None:
            return ""
        if name == "geom":
            return value.transform(4326, clone=True).geojson
        if hasattr(value, "isoformat"):
            return value.isoformat()
        return str(value)
