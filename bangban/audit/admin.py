from django.contrib import admin

from bangban.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the admin can list and read audit rows, never add, change or delete them."""

    list_display = ("at", "actor_name", "institution", "action", "object_repr", "ip")
    list_filter = ("action",)
    search_fields = ("actor_name", "object_repr", "note")
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
