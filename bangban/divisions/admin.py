from django.contrib import admin

from bangban.core.admin import ReadOnlyAdmin
from bangban.divisions.models import Division


@admin.register(Division)
class DivisionAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "level", "parent")
    list_filter = ("level",)
    search_fields = ("code", "name")
