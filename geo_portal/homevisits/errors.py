"""The home-visit refusals: every problem with its field and reason, raised before anything is changed."""

from __future__ import annotations

from collections.abc import Iterable


class HomeVisitRefused(Exception):
    """A refused action; ``errors`` are ``(field, reason)`` pairs, all of them at once."""

    def __init__(self, errors: Iterable[tuple[str, str]]) -> None:
        self.errors = list(errors)
        super().__init__("; ".join(f"{field}: {reason}" for field, reason in self.errors))


class DeviceRevoked(Exception):
    """The device was revoked: it gets nothing more and must wipe what it holds."""
