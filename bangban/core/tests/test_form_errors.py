"""Form errors name their field in Chinese and are summarised at the top of the page."""

import re
from html.parser import HTMLParser

import pytest
from django import forms
from django.template import Context, Template

from bangban.core.forms import error_summary


class _Ids(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: set[str] = set()
        self.described: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        if a.get("aria-describedby"):
            self.described += a["aria-describedby"].split()


def parse(html: str) -> _Ids:
    parser = _Ids()
    parser.feed(html)
    return parser


@pytest.mark.django_db
def test_case_form_errors_are_named_summarised_and_linked(org, web):
    response = web(org.user("station_agent")).post("/cases/new/", {"kind": "help"})
    assert response.status_code == 200
    html = response.content.decode()
    # A summary at the top of <main>, announced and focusable, linking to each field.
    main = html[html.index('<main id="main"') :]
    assert main.index('id="error-summary"') < main.index("<form")
    summary = re.search(
        r'<div class="error-summary" id="error-summary" role="alert" tabindex="-1".*?</div>', html, re.S
    )
    assert summary, html
    assert '<a href="#id_applicant_name">「申请人姓名 / 企业名称」为必填项</a>' in summary.group(0)
    assert '<a href="#id_phone">「联系电话」为必填项</a>' in summary.group(0)
    assert "该字段是必填项" not in html
    # The error sits by its field, and the field points at it.
    assert 'id="id_applicant_name_error"' in html
    assert re.search(
        r'<input[^>]*aria-describedby="id_applicant_name_error"[^>]*id="id_applicant_name"', html
    ) or re.search(r'<input[^>]*id="id_applicant_name"[^>]*aria-describedby="id_applicant_name_error"', html)
    # Every aria-describedby on the page points at an element that exists.
    ids = parse(html)
    assert set(ids.described) <= ids.ids, set(ids.described) - ids.ids


@pytest.mark.django_db
def test_radio_and_checkbox_groups_are_fieldsets_with_a_legend(org, web):
    html = web(org.user("station_agent")).get("/cases/new/").content.decode()
    assert re.search(r'<fieldset class="field group[^"]*"[^>]*>\s*<legend>服务类型', html)
    assert re.search(r'<fieldset class="field group[^"]*"[^>]*>\s*<legend>申请人类型', html)
    assert '<label for="id_kind_0">服务类型' not in html
    ids = parse(html)
    assert set(ids.described) <= ids.ids, set(ids.described) - ids.ids


class _Demo(forms.Form):
    name = forms.CharField(label="申请人姓名", max_length=5)
    phone = forms.CharField(label="联系电话", help_text="手机号码")

    def clean(self):
        raise forms.ValidationError("整体校验未通过")


def test_messages_name_the_field_and_keep_the_rule():
    form = _Demo(data={"name": "太长的一个名字啊"})
    summary = error_summary([{"form": form}])
    texts = [e["text"] for e in summary]
    assert "「联系电话」为必填项" in texts
    assert any(t.startswith("「申请人姓名」：") and "5" in t for t in texts)
    assert "整体校验未通过" in texts
    assert {"text": "「联系电话」为必填项", "href": "#id_phone"} in summary


def test_django_form_renderer_uses_the_shared_template():
    form = _Demo(data={})
    html = Template("{{ form }}").render(Context({"form": form}))
    assert (
        "「申请人姓名」为必填项" in html
        and 'id="id_phone_helptext"' in html
        and 'id="id_phone_error"' in html
    )
