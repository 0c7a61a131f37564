"""Read-only admin: the catalog changes only through its services (audited, reviewed)."""

from django.contrib import admin

from bangban.catalog.models import Adjustment, Bundle, ImportJob, Item, ItemVersion, ListingEntry


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Item)
class ItemAdmin(ReadOnlyAdmin):
    list_display = ["name", "implementation_code", "status", "department"]
    search_fields = ["name", "basic_code", "implementation_code"]
    list_filter = ["status"]


@admin.register(ItemVersion)
class ItemVersionAdmin(ReadOnlyAdmin):
    list_display = ["name", "number", "state", "valid_from", "valid_to", "is_suspended", "guide_complete"]
    search_fields = ["name", "implementation_code"]
    list_filter = ["state", "guide_complete"]


@admin.register(Adjustment)
class AdjustmentAdmin(ReadOnlyAdmin):
    list_display = ["pk", "kind", "status", "effective_on", "created_by", "reviewed_by"]
    list_filter = ["status", "kind"]


@admin.register(ListingEntry)
class ListingEntryAdmin(ReadOnlyAdmin):
    list_display = ["institution", "item", "offers_help", "offers_agency"]


@admin.register(Bundle)
class BundleAdmin(ReadOnlyAdmin):
    list_display = ["name", "audience", "is_published"]


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyAdmin):
    list_display = ["filename", "status", "created_by", "created_at", "created_count"]
    exclude = ["content"]
