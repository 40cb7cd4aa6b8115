"""Staff pages for change notifications in the admin: agencies with their onboarding checklist, tokens (issue,
rotate, revoke), subscriptions (rotate the secret, enable again), messages with their delivery receipts (the
dead-letter list: filter on "dead-lettered", re-deliver by hand) and digest files. Writes go through the services.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from geo_portal.notifications.errors import NotAllowed, NotificationRefused
from geo_portal.notifications.models import Agency, AgencyToken, Attempt, Digest, Message, Subscription
from geo_portal.notifications.selectors import onboarding_checklist
from geo_portal.notifications.services import (
    agency_create,
    message_redeliver,
    secret_rotate,
    subscription_enable,
    token_revoke,
    token_rotate,
)


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class TokenInline(_ReadOnlyInline):
    model = AgencyToken
    fk_name = "agency"
    fields = ("prefix", "label", "event_kinds", "detail_levels", "created_at", "expires_at", "revoked_at", "last_used_at")
    readonly_fields = fields


class SubscriptionInline(_ReadOnlyInline):
    model = Subscription
    fields = ("mode", "url", "event_kinds", "status", "disabled_reason")
    readonly_fields = fields


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "kind", "active", "onboarding")
    list_filter = ("kind", "active")
    search_fields = ("name", "code")
    readonly_fields = (
        "user",
        "private_kinds",
        "authorisation_ref",
        "authorised_by",
        "authorised_at",
        "checklist",
        "version",
    )
    fields = (
        "code",
        "name",
        "kind",
        "contact_email",
        "active",
        "agreement_signed_on",
        "test_delivery_ok_at",
        *readonly_fields,
    )
    inlines = [TokenInline, SubscriptionInline]

    @admin.display(description=_("onboarding"))
    def onboarding(self, obj: Agency) -> str:
        steps = onboarding_checklist(agency=obj)
        return _("%(done)d of %(all)d steps") % {"done": sum(1 for s in steps if s.done), "all": len(steps)}

    @admin.display(description=_("onboarding checklist"))
    def checklist(self, obj: Agency):
        if obj.pk is None:
            return "—"
        return format_html_join(
            "", "<div>{} {}</div>", (("✔" if s.done else "✘", s.label) for s in onboarding_checklist(agency=obj))
        )

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        created = agency_create(
            actor=request.user, code=obj.code, name=obj.name, kind=obj.kind, contact_email=obj.contact_email
        )
        obj.pk, obj.user = created.pk, created.user
        obj.save(update_fields=["active", "agreement_signed_on", "test_delivery_ok_at"])


@admin.register(AgencyToken)
class AgencyTokenAdmin(admin.ModelAdmin):
    list_display = ("__str__", "agency", "label", "created_at", "expires_at", "revoked_at", "last_used_at")
    list_filter = ("agency",)
    readonly_fields = (
        "agency",
        "prefix",
        "digest",
        "event_kinds",
        "detail_levels",
        "created_at",
        "created_by",
        "expires_at",
        "revoked_at",
        "replaced_by",
        "last_used_at",
    )
    fields = ("label", *readonly_fields)
    actions = ["rotate", "revoke"]

    def has_add_permission(self, request):
        return False  # tokens are issued by the service (the text is shown once), not typed in

    @admin.action(description=_("Rotate: a new token; the old one works for the overlap period"))
    def rotate(self, request, queryset):
        for token in queryset:
            try:
                _new, text = token_rotate(actor=request.user, token=token)
            except (NotificationRefused, NotAllowed) as exc:
                self.message_user(request, str(exc), messages.ERROR)
                continue
            self.message_user(
                request,
                _("New token for %(agency)s (shown once): %(token)s") % {"agency": token.agency, "token": text},
                messages.WARNING,
            )

    @admin.action(description=_("Revoke at once"))
    def revoke(self, request, queryset):
        for token in queryset:
            token_revoke(actor=request.user, token=token)
        self.message_user(request, _("%(n)d tokens revoked.") % {"n": queryset.count()})


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ("agency", "mode", "url", "status", "disabled_reason")
    list_filter = ("status", "mode", "agency")
    readonly_fields = ("agency", "mode", "url", "event_kinds", "status", "disabled_reason", "disabled_at", "created_at")
    actions = ["rotate_secret", "enable"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Rotate the signing secret (both sign during the overlap)"))
    def rotate_secret(self, request, queryset):
        for sub in queryset:
            secret = secret_rotate(actor=request.user, subscription=sub)
            self.message_user(
                request,
                _("New signing secret for %(sub)s (shown once): %(secret)s") % {"sub": sub, "secret": secret},
                messages.WARNING,
            )

    @admin.action(description=_("Enable again (waiting messages go out in order)"))
    def enable(self, request, queryset):
        for sub in queryset:
            try:
                subscription_enable(actor=request.user, subscription=sub, version=sub.version)
            except (NotificationRefused, NotAllowed) as exc:
                self.message_user(request, str(exc), messages.ERROR)


class AttemptInline(_ReadOnlyInline):
    model = Attempt
    show_change_link = False
    fields = ("number", "at", "status_code", "response_ms", "ok", "error", "ack_id", "by")
    readonly_fields = fields


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = (
        "msg_id",
        "subscription",
        "event_type",
        "seq",
        "status",
        "attempts",
        "next_attempt_at",
        "delivered_at",
        "ack_id",
    )
    list_filter = ("status", "event_type", "subscription__agency")
    search_fields = ("msg_id", "ack_id")
    readonly_fields = (
        "subscription",
        "msg_id",
        "event_type",
        "payload",
        "channel",
        "seq",
        "created_at",
        "status",
        "attempts",
        "next_attempt_at",
        "delivered_at",
        "ack_id",
        "last_error",
    )
    inlines = [AttemptInline]
    actions = ["redeliver"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Re-deliver the selected dead-lettered messages"), permissions=["view"])
    def redeliver(self, request, queryset):
        try:
            n = message_redeliver(actor=request.user, message_ids=list(queryset.values_list("pk", flat=True)))
        except (NotificationRefused, NotAllowed) as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return
        self.message_user(request, _("%(n)d messages queued for delivery again.") % {"n": n})


@admin.register(Digest)
class DigestAdmin(admin.ModelAdmin):
    list_display = ("subscription", "day", "messages", "created_at", "downloaded_at")
    readonly_fields = (
        "subscription",
        "day",
        "messages",
        "csv_path",
        "json_path",
        "csv_signature",
        "json_signature",
        "created_at",
        "downloaded_at",
    )

    def has_add_permission(self, request):
        return False
