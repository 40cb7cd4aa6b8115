"""Settings of change notifications, each with a default: ``settings.NOTIFICATIONS_<NAME>``, else the environment
variable ``GEO_PORTAL_NOTIFICATIONS_<NAME>``, else the value below. Read at call time, so tests can override them.

Called by the dispatcher, the delivery worker, the subscription services (https rule) and the digest job.
"""

from __future__ import annotations

import os
from datetime import timedelta

from django.conf import settings

# Waits after failed attempts 1, 2, 3 …: about three days in all (2 d 23 h 58 min), then the message is dead-lettered.
DEFAULT_RETRY_SCHEDULE = (5, 30, 120, 600, 1800, 3600, 7200, 14400, 28800, 43200, 43200, 43200, 43200, 28800)


def _get(name: str, default: str) -> str:
    value = getattr(settings, f"NOTIFICATIONS_{name}", None)
    if value is not None:
        return str(value) if not isinstance(value, list | tuple) else ",".join(str(v) for v in value)
    return os.environ.get(f"GEO_PORTAL_NOTIFICATIONS_{name}", default)


def retry_schedule() -> tuple[float, ...]:
    """Seconds to wait after each failed attempt; one more failure than the schedule's length dead-letters."""
    return tuple(float(v) for v in _get("RETRY_SCHEDULE", ",".join(map(str, DEFAULT_RETRY_SCHEDULE))).split(","))


def retry_total() -> timedelta:
    return timedelta(seconds=sum(retry_schedule()))


def connect_timeout() -> float:
    return float(_get("CONNECT_TIMEOUT", "3"))


def read_timeout() -> float:
    """A receiver that does not answer within this many seconds counts as a failed attempt (it is retried)."""
    return float(_get("READ_TIMEOUT", "10"))


def require_https() -> bool:
    """Endpoints must be https (production); development and tests allow http on loopback addresses only."""
    # Production settings are the ones with secure cookies (geo_portal.config.settings.production).
    default = "1" if settings.SESSION_COOKIE_SECURE and not settings.DEBUG else "0"
    return _get("REQUIRE_HTTPS", default) in ("1", "true", "True")


def poll_seconds() -> float:
    """How often the dispatcher looks at the change log for committed transactions."""
    return float(_get("POLL_SECONDS", "0.2"))


def dispatch_seconds() -> float:
    """How long one dispatcher job keeps polling before it hands over to the next one (other jobs run between)."""
    return float(_get("DISPATCH_SECONDS", "10"))


def dispatch_yield() -> bool:
    """Whether a dispatcher pass that wrote messages ends the job (so a worker with one slot runs the deliveries
    at once); a worker with several slots does better with it off (no hand-over between dispatchers)."""
    return _get("DISPATCH_YIELD", "1") in ("1", "true", "True")


def batch_size() -> int:
    """Messages a delivery job sends to one endpoint before it lets the next job of the queue run."""
    return int(_get("BATCH_SIZE", "500"))


def digest_dir() -> str:
    return _get("DIGEST_DIR", str(settings.GIS_DATA_DIR / "notification_digests"))


def token_overlap() -> timedelta:
    """How long a rotated token or signing secret keeps working beside its successor."""
    return timedelta(hours=float(_get("OVERLAP_HOURS", "168")))
