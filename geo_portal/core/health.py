"""Operations health checks: a small registry that apps fill at start-up and that ``/healthz``, the staff home and
the alert job read.

An app registers a check with ``register(name, label, check)`` in its ``AppConfig.ready`` (the staff app registers
the worker, job backlog, failed jobs and failed imports; the notifications app can add its dead-lettered
deliveries the same way, without core or staff importing it). A check returns a ``CheckResult``; one that raises
counts as failing, with the exception's type as its summary (never its message: it could hold data).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.functional import Promise

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    summary: str  # one short sentence for staff and the health endpoint (no personal data)
    count: int | None = None  # how many things are wrong or waiting, when countable


@dataclass(frozen=True)
class Check:
    name: str  # stable identifier (incidents are kept per name)
    label: str | Promise
    run: Callable[[], CheckResult]


@dataclass(frozen=True)
class Outcome:
    name: str
    label: str | Promise
    result: CheckResult


_CHECKS: dict[str, Check] = {}


def register(name: str, label: str | Promise, check: Callable[[], CheckResult]) -> None:
    """Add (or replace) a check; the order of registration is the order shown."""
    _CHECKS[name] = Check(name=name, label=label, run=check)


def unregister(name: str) -> None:
    _CHECKS.pop(name, None)


def registered() -> tuple[Check, ...]:
    return tuple(_CHECKS.values())


def run_checks() -> list[Outcome]:
    """Every registered check, in order; a check that raises is failing."""
    outcomes = []
    for check in _CHECKS.values():
        try:
            result = check.run()
        except Exception as exc:
            logger.exception("health check %s raised", check.name)
            result = CheckResult(ok=False, summary=f"the check itself failed ({type(exc).__name__})")
        outcomes.append(Outcome(name=check.name, label=check.label, result=result))
    return outcomes
