"""core.html's format_html and format_html_join give Django's output for any argument: text with
markup characters, safe strings, lazy translations, objects with __html__, numbers, None, dates."""

import datetime as dt

import pytest
from django.utils import html as django_html
from django.utils.functional import lazy
from django.utils.safestring import SafeString, mark_safe
from hypothesis import given
from hypothesis import strategies as st

from bangban.core import html


class Markup:
    def __init__(self, text):
        self.text = text

    def __html__(self):
        return f"<b>{self.text}</b>"

    def __str__(self):
        return "never used"


lazy_text = lazy(lambda s: s, str)
lazy_safe = lazy(lambda s: mark_safe(s), SafeString)

texts = st.text(alphabet=st.sampled_from(list("<>&\"'ab 中文{}") + ["\x00", "é"]), max_size=12)
values = st.one_of(
    texts,
    texts.map(mark_safe),
    texts.map(lazy_text),
    texts.map(lazy_safe),
    texts.map(Markup),
    st.integers(),
    st.none(),
    st.dates(min_value=dt.date(2000, 1, 1)),
)


@given(st.lists(values, min_size=1, max_size=6))
def test_format_html_is_djangos(args):
    template = "<td>" + "</td><td>".join("{}" for _ in args) + "</td>"
    ours = html.format_html(template, *args)
    assert ours == django_html.format_html(template, *args)
    assert isinstance(ours, SafeString)


@given(st.lists(st.tuples(values, values), max_size=5), st.sampled_from(["\n", "<br>", mark_safe("<br>")]))
def test_format_html_join_is_djangos(rows, sep):
    assert html.format_html_join(sep, "<li>{}: {}</li>", rows) == django_html.format_html_join(
        sep, "<li>{}: {}</li>", rows
    )
    named = [{"a": a, "b": b} for a, b in rows]
    assert html.format_html_join(sep, "{a}{b}", named) == django_html.format_html_join(sep, "{a}{b}", named)


def test_markup_is_escaped_and_safe_strings_are_not():
    out = html.format_html('<a href="{}">{}</a>{}', '/x?a=1&b="2"', "<script>", mark_safe("<br>"))
    assert out == '<a href="/x?a=1&amp;b=&quot;2&quot;">&lt;script&gt;</a><br>'
    with pytest.raises(TypeError):
        html.format_html("<br>")
