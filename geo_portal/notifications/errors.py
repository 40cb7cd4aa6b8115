"""The error the notification services raise for bad input: every problem as (field, reason), nothing changed."""

from __future__ import annotations


class NotificationRefused(ValueError):
    """One or more fields refused; ``errors`` maps each field to its reason (also the exception's text)."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(f"{field}: {reason}" for field, reason in errors.items()))


class NotAllowed(PermissionError):
    """The acting user lacks the permission a step needs."""
