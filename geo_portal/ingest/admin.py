"""Import batches are read-only in the admin: they are the record of what importers did."""

from django.contrib import admin

from geo_portal.ingest.models import ImportBatch


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = ["started_at", "kind", "status", "source_name", "counts"]
    list_filter = ["kind", "status"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
