"""Write services of change notifications: agencies and tokens (``agencies``), subscriptions and secrets
(``subscriptions``), staff re-delivery (``redelivery``). Keyword-only, each its own transaction."""

from geo_portal.notifications.services.agencies import (
    agency_authorise,
    agency_create,
    token_issue,
    token_revoke,
    token_rotate,
    token_use,
)
from geo_portal.notifications.services.redelivery import digest_mark_downloaded, message_redeliver, subscription_enable
from geo_portal.notifications.services.subscriptions import secret_rotate, subscription_create, subscription_disable

__all__ = [
    "agency_authorise",
    "agency_create",
    "digest_mark_downloaded",
    "message_redeliver",
    "secret_rotate",
    "subscription_create",
    "subscription_disable",
    "subscription_enable",
    "token_issue",
    "token_revoke",
    "token_rotate",
    "token_use",
]
