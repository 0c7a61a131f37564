from django.contrib import admin
from django.contrib.auth.models import Group

from bangban.accounts.models import User
from bangban.core.admin import ReadOnlyAdmin

# Permissions come from roles (accounts.roles), never from Django groups: the groups editor would
# be the one writable page of an admin that is read-only for everyone.
admin.site.unregister(Group)


@admin.register(User)
class UserAdmin(ReadOnlyAdmin):
    list_display = ("username", "full_name", "institution", "is_active", "last_login")
    search_fields = ("username", "full_name")
    exclude = ("password",)
