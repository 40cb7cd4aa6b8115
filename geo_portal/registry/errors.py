"""The register's refusals: what callers catch and show (views as a 400 with the fields named, commands as text).

``RegistryRefused`` carries one or more ``(field, reason)`` pairs and nothing was written; ``StaleEvent`` names
who changed an event since the caller read it; ``AccessDenied`` is a read or write the user's roles do not allow.
Messages name fields and records by their ids, household numbers and addresses, never a national ID in full.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.field}: {self.reason}"


class RegistryRefused(ValueError):
    """Bad input or an illegal step; ``errors`` name each field and reason. Nothing was written."""

    def __init__(self, errors: list[FieldError] | FieldError) -> None:
        self.errors = [errors] if isinstance(errors, FieldError) else list(errors)
        super().__init__("; ".join(str(e) for e in self.errors))

    def as_dict(self) -> dict[str, list[str]]:
        """``{field: [reasons]}`` for a JSON 400 body."""
        out: dict[str, list[str]] = {}
        for error in self.errors:
            out.setdefault(error.field, []).append(error.reason)
        return out


class StaleEvent(RegistryRefused):
    """The event changed since the caller read it (another person's step); the message says who and when."""


class AccessDenied(PermissionError):
    """The user may not do this (role or object rule); the message says what."""
