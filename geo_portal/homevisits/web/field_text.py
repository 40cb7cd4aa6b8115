"""The visit sheet app's own sentences (translated here, handed to visits.js in its configuration)."""

from __future__ import annotations

from django.utils.translation import gettext as _


def ui_text() -> dict[str, str]:
    return {
        "online": _("Online"),
        "offline": _("Offline"),
        "pending": _("%(n)s results waiting to be sent"),
        "allSynced": _("Every result is sent."),
        "noRounds": _("No round is planned for you from today on."),
        "take": _("Take this round offline"),
        "open": _("Open"),
        "taken": _("The round is on this device, encrypted; it expires at the end of its day."),
        "stops": _("%(n)s visits"),
        "expired": _("A round's day is over: its sheet was deleted from this device."),
        "locked": _("This round is locked on the device: go online once to unlock it."),
        "done": _("Done"),
        "notHome": _("Not at home"),
        "postponed": _("Postponed"),
        "note": _("Note"),
        "case": _("Leads to a registration case (address change to this plate)"),
        "recorded": _("Recorded %(outcome)s at %(time)s"),
        "needNote": _("Say why the visit is postponed."),
        "synced": _("Sent: %(stored)s new, %(duplicates)s already received."),
        "syncErrors": _("%(n)s results were refused: %(detail)s"),
        "offlineQueued": _("No connection: the result is kept on this device and sent later."),
        "signedOut": _("You are signed out. Sign in again; your results stay on this device."),
        "signIn": _("Sign in"),
        "revoked": _("This device was revoked: its home-visit data is wiped. %(detail)s"),
        "httpError": _("The server answered %(status)s."),
        "back": _("Rounds"),
        "office": _("Office"),
        "window": _("Time window"),
        "contact": _("Contact"),
        "urgency": _("Urgency"),
        "planned": _("Planned"),
        "straightLine": _("Straight-line distances; %(km)s km in all."),
        "noCrypto": _("This browser cannot encrypt the round (WebCrypto is missing): it is not stored."),
    }
