from django.contrib import admin

from bangban.core.admin import ReadOnlyAdmin
from bangban.org.models import Department, Institution


@admin.register(Institution)
class InstitutionAdmin(ReadOnlyAdmin):
    list_display = ("name", "tier", "division", "parent", "is_active")
    list_filter = ("tier", "is_active")
    search_fields = ("name",)


@admin.register(Department)
class DepartmentAdmin(ReadOnlyAdmin):
    list_display = ("name", "institution", "credit_code", "is_active")
    search_fields = ("name",)
