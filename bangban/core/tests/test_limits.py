"""Every text a page's form accepts has a maximum length, enforced and shown to the browser."""

import importlib
import inspect

import pytest
from django import forms

from bangban.core.limits import TEXT_MAX_LENGTH

APPS = ["core", "accounts", "org", "catalog", "cases", "workdays", "notifications", "audit", "divisions"]


def _form_classes():
    for app in APPS:
        try:
            module = importlib.import_module(f"bangban.{app}.forms")
        except ModuleNotFoundError:
            continue
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__:
                yield f"{app}.{name}", cls


def test_every_text_field_of_every_page_form_has_a_maximum_length():
    unbounded = [
        f"{name}.{field_name}"
        for name, cls in _form_classes()
        for field_name, field in cls.base_fields.items()
        if isinstance(field, forms.CharField) and field.max_length is None
    ]
    assert unbounded == []


@pytest.mark.django_db
def test_an_overlong_text_on_a_case_page_is_refused_and_changes_nothing(org, web):
    import datetime

    from bangban.cases import services
    from bangban.cases.tests.conftest import make_item

    by = org.user("town_agent")
    case = services.case_create(
        by=by,
        kind="agency",
        mode="agency",
        applicant_type="person",
        applicant_name="王阿婆",
        id_number="11010519491231002X",
        phone="13812345678",
        items=[make_item(org, "个体工商户登记")],
    )
    case = services.case_analyse(case=case, by=by, analysis="全程代办")
    today = datetime.date.today()
    case = services.case_entrust(
        case=case, by=by, scope="whole", period_start=today, period_end=today + datetime.timedelta(days=30)
    )
    case = services.case_start(case=case, by=by)
    client = web(by)
    response = client.post(
        f"/cases/{case.pk}/act/suspend/",
        {"suspend-reason": "other", "suspend-detail": "长" * (TEXT_MAX_LENGTH + 1), "version": case.version},
        follow=True,
    )
    assert str(TEXT_MAX_LENGTH) in response.content.decode()
    case.refresh_from_db()
    assert case.status == "in_progress"
