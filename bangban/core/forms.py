"""Shared form handling: services behind forms, and how every form's errors read and render.

Every page renders its forms through `core/_form.html` / `core/_field.html` (also Django's form
renderer, `FORM_RENDERER`, so `{{ form }}` gives the same). There each error names its field in
Chinese (`field_error_messages`), each input points at its help and error text
(Django's `aria-describedby`, ids rendered here), radio and checkbox groups sit in a fieldset with a legend, and
`core/base.html` shows a summary of all errors on the page at the top, linking to each field.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django import forms
from django.forms.formsets import BaseFormSet
from django.forms.renderers import DjangoTemplates

from bangban.core.errors import ServiceError


class FormRenderer(DjangoTemplates):
    """Django's renderer with our templates, so `{{ form }}` renders like `core/_form.html`."""

    form_template_name = "core/_form.html"
    field_template_name = "core/_field.html"


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


def field_label(bound_field) -> str:
    return str(bound_field.label or bound_field.name)


def field_error_messages(bound_field) -> list[str]:
    """The field's errors, each naming the field: 「申请人姓名」为必填项 / 「电话」：……"""
    label = field_label(bound_field)
    out = []
    for error in bound_field.form.errors.as_data().get(bound_field.name, []):
        if error.code == "required":
            out.append(f"「{label}」为必填项")
            continue
        for message in error.messages:
            out.append(message if label in message else f"「{label}」：{message}")
    return out


def form_error_text(form: forms.BaseForm) -> str:
    """All of a form's errors in one line, each naming its field (for a message after a redirect)."""
    return "；".join(e["text"] for e in error_summary([form]))


def error_id(bound_field) -> str:
    # Django points aria-describedby at "<auto_id>_helptext" and "<auto_id>_error";
    # core/_field.html renders elements with exactly these ids.
    return f"{bound_field.auto_id}_error"


def help_id(bound_field) -> str:
    return f"{bound_field.auto_id}_helptext"


def _forms_in(value: Any, depth: int = 0) -> Iterator[forms.BaseForm]:
    if isinstance(value, forms.BaseForm):
        yield value
    elif isinstance(value, BaseFormSet):
        yield from value.forms
        yield value  # its own (non-form) errors
    elif depth < 2 and isinstance(value, dict):
        for item in value.values():
            yield from _forms_in(item, depth + 1)
    elif depth < 2 and isinstance(value, list | tuple):
        for item in value:
            yield from _forms_in(item, depth + 1)


def error_summary(values: Iterable[Any]) -> list[dict[str, str]]:
    """Every error of the bound forms among `values`: [{"text", "href"}], in page order."""
    out: list[dict[str, str]] = []
    seen: set[int] = set()
    for value in values:
        for form in _forms_in(value):
            if id(form) in seen or not form.is_bound:
                continue
            seen.add(id(form))
            if isinstance(form, BaseFormSet):
                out += [{"text": str(e), "href": ""} for e in form.non_form_errors()]
                continue
            if not form.errors:
                continue
            out += [{"text": str(e), "href": ""} for e in form.non_field_errors()]
            for name in form.errors:
                if name not in form.fields:
                    continue
                bound = form[name]
                href = f"#{bound.id_for_label or bound.auto_id}" if bound.auto_id else ""
                out += [{"text": m, "href": href} for m in field_error_messages(bound)]
    return out
