"""API fields naming an institution or department by id, limited to the requesting user's scope.

An id that does not exist and one outside the scope get the same answer (the same code and
message), so a refusal reveals nothing. The scope is org.selectors.scope_q, the one definition.
"""

from __future__ import annotations

from rest_framework import serializers

from bangban.org.models import Department, Institution
from bangban.org.selectors import scope_q

NOT_FOUND = "不存在或不在您的数据范围内"


class InScopeRelatedField(serializers.PrimaryKeyRelatedField):
    default_error_messages = {
        "does_not_exist": NOT_FOUND,
        "incorrect_type": "应为整数编号",
    }
    scope_field = "institution"

    def get_queryset(self):
        request = self.context.get("request")
        user = getattr(request, "user", None)
        return super().get_queryset().filter(scope_q(user, self.scope_field))


class InstitutionInScopeField(InScopeRelatedField):
    scope_field = ""

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", Institution.objects.filter(is_active=True))
        super().__init__(**kwargs)


class DepartmentInScopeField(InScopeRelatedField):
    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", Department.objects.filter(is_active=True))
        super().__init__(**kwargs)
