from django.contrib import admin

from bangban.core.admin import ReadOnlyAdmin
from bangban.notifications.models import Message


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "masked_phone", "event", "status", "attempts", "institution", "sent_at")
    list_filter = ("status", "event")
    search_fields = ("dedupe_key", "object_id", "provider_id")
    exclude = ("claim_token",)
