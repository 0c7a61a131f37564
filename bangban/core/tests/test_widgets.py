"""The widgets written in Python (core.forms._widget_html) against Django's own templates, byte for byte."""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import pkgutil

import pytest
from django import forms
from django.forms.models import ModelChoiceIteratorValue
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

import bangban
from bangban.core import forms as core_forms
from bangban.core.forms import FormRenderer

NASTY = "a<b>&\"c'd 中文"


def reference(widget: forms.Widget, name: str, value, attrs=None) -> str:
    """What Django's templates write for the widget (the renderer's fast path bypassed)."""
    context = widget.get_context(name, value, attrs)
    return DjangoTemplates.render(FormRenderer(), widget.template_name, context).strip()


def fast(widget: forms.Widget, name: str, value, attrs=None) -> str:
    return widget.render(name, value, attrs, renderer=FormRenderer())


CHOICES = [("", "全部"), ("a", "甲"), (1, "一"), ("x&y", NASTY), ("lazy", gettext_lazy("其他"))]
GROUPED = [("", "请选择"), ("组<1>", [("p", "乙"), ("q", "丙")]), ("r", "丁")]

CASES = [
    (forms.TextInput(), "t", None, None),
    (forms.TextInput(), "t", "", None),
    (forms.TextInput(attrs={"maxlength": 200, "required": True, "autofocus": False}), "t", NASTY, None),
    (forms.TextInput(), "t", mark_safe("<b>safe</b>"), {"placeholder": NASTY, "data-x": mark_safe("&amp;")}),
    (forms.NumberInput(), "n", 42, {"min": 0, "step": 1}),
    (forms.EmailInput(), "e", "a@b.cn", None),
    (forms.URLInput(), "u", "https://x.cn/?a=1&b=2", None),
    (forms.PasswordInput(), "p", "secret", None),
    (forms.PasswordInput(render_value=True), "p", "secret", None),
    (forms.HiddenInput(), "h", 7, None),
    (forms.DateInput(attrs={"type": "date"}), "d", dt.date(2026, 11, 30), None),
    (forms.DateInput(), "d", "2026-11-30", None),
    (forms.TimeInput(), "tm", dt.time(9, 30), None),
    (forms.DateTimeInput(), "dtm", dt.datetime(2026, 11, 30, 9, 30), None),
    (forms.CheckboxInput(), "c", True, None),
    (forms.CheckboxInput(), "c", False, None),
    (forms.CheckboxInput(), "c", "on", {"aria-describedby": "c_helptext"}),
    (forms.Textarea(), "ta", None, None),
    (forms.Textarea(), "ta", "", None),
    (forms.Textarea(attrs={"rows": 3}), "ta", NASTY + "\n第二行", {"maxlength": 500}),
    (forms.Select(choices=CHOICES), "s", None, None),
    (forms.Select(choices=CHOICES), "s", "x&y", {"aria-invalid": "true"}),
    (forms.Select(choices=CHOICES), "s", 1, None),
    (forms.Select(choices=[(1, 2), (3, dt.date(2026, 1, 1))]), "s", 1, None),  # labels the engine localizes
    (forms.Select(choices=GROUPED), "s", "q", None),
    (forms.SelectMultiple(choices=CHOICES), "sm", ["a", "x&y"], None),
    (forms.NullBooleanSelect(), "nb", None, None),
    (forms.NullBooleanSelect(), "nb", True, None),
    (forms.Select(choices=[]), "s", None, None),
    # A ModelChoiceField's options carry their instance with the value.
    (
        forms.Select(choices=[("", "---------"), (ModelChoiceIteratorValue(5, object()), "树山村")]),
        "s",
        "5",
        None,
    ),
]


@pytest.mark.parametrize("widget,name,value,attrs", CASES)
def test_widget_is_written_as_its_template_writes_it(widget, name, value, attrs):
    assert fast(widget, name, value, attrs) == reference(widget, name, value, attrs)


def test_the_fast_path_is_taken_for_the_common_widgets():
    # Guards the comparison above from passing because everything fell back to the templates.
    for widget, name, value, attrs in CASES[:3] + CASES[17:22]:
        context = widget.get_context(name, value, attrs)
        assert core_forms._widget_html(widget.template_name, context["widget"]) is not None


def test_values_the_engine_would_localize_take_the_template():
    widget = forms.Select(choices=[(1, dt.date(2026, 1, 1))])
    context = widget.get_context("s", None, None)
    assert core_forms._widget_html(widget.template_name, context["widget"]) is None


def _project_forms():
    for module_info in pkgutil.walk_packages(bangban.__path__, "bangban."):
        if ".tests" in module_info.name or ".migrations" in module_info.name:
            continue
        if not (module_info.name.endswith(".forms") or module_info.name.endswith(".views")):
            continue
        module = importlib.import_module(module_info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__:
                yield cls


@pytest.mark.django_db
def test_every_project_form_that_builds_without_arguments_renders_as_the_templates_would():
    checked = 0
    for cls in _project_forms():
        try:
            form = cls()
        except TypeError:
            continue  # needs a user or choices; the parametrized cases cover its widgets
        for bound in form:
            widget = bound.field.widget
            if getattr(widget, "input_type", None) == "file":
                continue
            if hasattr(bound.field, "queryset") and bound.field.queryset is None:
                continue  # its choices come with arguments the form was not given
            attrs = bound.build_widget_attrs({"id": bound.auto_id})
            value = bound.value()
            assert fast(widget, bound.html_name, value, attrs) == reference(
                widget, bound.html_name, value, attrs
            )
            checked += 1
    assert checked > 20
