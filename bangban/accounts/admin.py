from django.contrib import admin

from bangban.accounts.models import User
from bangban.core.admin import ReadOnlyAdmin


@admin.register(User)
class UserAdmin(ReadOnlyAdmin):
    list_display = ("username", "full_name", "institution", "is_active", "last_login")
    search_fields = ("username", "full_name")
    exclude = ("password",)
