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
from django.forms.models import ModelChoiceIteratorValue
from django.forms.renderers import DjangoTemplates
from django.utils.functional import Promise
from django.utils.html import escape
from django.utils.safestring import SafeData

from bangban.core.errors import ServiceError

# Django's own widget templates that `_widget_html` writes in Python, byte for byte (test_widgets.py
# compares it with the templates for every widget and value kind the project uses).
_INPUT_TEMPLATES = frozenset(
    f"django/forms/widgets/{name}.html"
    for name in (
        "input",
        "text",
        "number",
        "email",
        "url",
        "password",
        "hidden",
        "date",
        "time",
        "datetime",
        "checkbox",
    )
)
_TEXTAREA = "django/forms/widgets/textarea.html"
_SELECT = "django/forms/widgets/select.html"
_OPTION = "django/forms/widgets/select_option.html"


class _Unsupported(Exception):
    """A value the Python rendering does not reproduce exactly: the template renders the widget."""


def _text(value) -> str:
    """`{{ value }}`: strings, lazy translations and safe strings only (others are localized by the
    template engine: numbers, dates, so they take the template)."""
    if isinstance(value, SafeData):
        return str(value)
    if isinstance(value, (str, Promise)):
        return escape(value)
    raise _Unsupported


def _s(value) -> str:
    """`{{ value|stringformat:'s' }}` (the filter keeps a safe string safe)."""
    if isinstance(value, SafeData):
        return str(value)
    if isinstance(value, (str, int, Promise, ModelChoiceIteratorValue)):  # int: bool too ("True")
        return escape(str(value))
    raise _Unsupported


def _attrs(attrs: dict) -> str:
    """django/forms/widgets/attrs.html."""
    out = []
    for name, value in attrs.items():
        if value is False:
            continue
        out.append(f" {_text(name)}" if value is True else f' {_text(name)}="{_s(value)}"')
    return "".join(out)


def _widget_html(template_name: str, widget: dict) -> str | None:
    """The widget's HTML as Django's template would write it, or None when it is not one of ours.

    Every widget of every form goes through Django's template engine (two to four templates a widget,
    one more per option of a select); the case page's 14 widgets took a third of its CPU (issue 9).
    """
    try:
        if template_name in _INPUT_TEMPLATES:
            value = widget["value"]
            shown = "" if value is None else f' value="{_s(value)}"'
            return f'<input type="{_text(widget["type"])}" name="{_text(widget["name"])}"{shown}{_attrs(widget["attrs"])}>'
        if template_name == _TEXTAREA:
            value = widget["value"]
            return f'<textarea name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>\n{_text(value) if value else ""}</textarea>'
        if template_name == _SELECT:
            parts = [f'<select name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>']
            for group_name, group_choices, _index in widget["optgroups"]:
                if group_name:
                    parts.append(f'\n  <optgroup label="{_text(group_name)}">')
                for option in group_choices:
                    if option["template_name"] != _OPTION:
                        return None
                    parts.append(
                        f'\n  <option value="{_s(option["value"])}"{_attrs(option["attrs"])}>{_text(option["label"])}</option>\n'
                    )
                if group_name:
                    parts.append("\n  </optgroup>")
            parts.append("\n</select>")
            return "".join(parts)
    except _Unsupported:
        return None
    return None


class FormRenderer(DjangoTemplates):
    """Django's renderer with our templates, so `{{ form }}` renders like `core/_form.html`; the
    common widgets are written in Python (`_widget_html`), the rest by their templates."""

    form_template_name = "core/_form.html"
    field_template_name = "core/_field.html"

    def render(self, template_name, context, request=None):
        widget = context.get("widget") if isinstance(context, dict) else None
        if widget is not None and (html := _widget_html(template_name, widget)) is not None:
            return html
        return super().render(template_name, context, request)


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
