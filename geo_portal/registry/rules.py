"""Object rules of the register (the ``rules`` package), checked with ``user.has_perm(name, event)``:

- ``registry.approve_event``: a registrar with the review permission who did not submit the event.

The services check submitter ≠ reviewer themselves as well (an active superuser passes every ``has_perm``), and
the database refuses it with a check constraint.
"""

from __future__ import annotations

import rules

from geo_portal.accounts.rules import is_not_submitter

REVIEW = "registry.review_events"


@rules.predicate
def may_review(user) -> bool:
    return bool(user.is_active and user.has_perm(REVIEW))


rules.add_perm("registry.approve_event", may_review & is_not_submitter)
