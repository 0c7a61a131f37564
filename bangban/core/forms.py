from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms

from bangban.core.errors import ServiceError


def call_service(form: forms.Form, fn: Callable[[], Any]) -> tuple[bool, Any]:
    """Run a service for a valid form; a ServiceError becomes the form error of its field."""
    try:
        return True, fn()
    except ServiceError as exc:
        field = exc.field if exc.field in form.fields else None
        form.add_error(field, exc.message)
        for extra in exc.errors:
            form.add_error(None, extra["message"])
        return False, None


def querystring_without_page(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()
