from django.contrib import admin

from bangban.core.admin import ReadOnlyAdmin
from bangban.evaluations.models import Appeal, Rectification, Review


@admin.register(Review)
class ReviewAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "level", "stage", "channel", "real_name", "institution", "case")
    list_filter = ("level", "stage", "channel", "real_name")


@admin.register(Rectification)
class RectificationAdmin(ReadOnlyAdmin):
    list_display = ("id", "status", "due_date", "rectified_on", "institution")
    list_filter = ("status",)


@admin.register(Appeal)
class AppealAdmin(ReadOnlyAdmin):
    list_display = ("id", "review", "state", "filed_at", "decided_at")
    list_filter = ("state",)
