"""The dashboard's indicator cards and table cells as HTML, written here rather than in the template:
a grouped dashboard has up to hundreds of cells, and the template language cost ~50 µs a cell (most of
the page's time) where this costs a few. Every value is escaped (core.html.format_html, Django's at a third of the cost)."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString, mark_safe

from bangban.core.html import format_html, format_html_join

register = template.Library()

BELOW = mark_safe('<span class="tag tag-red">低于目标</span>')


def _figure(url: str | None, value) -> SafeString:
    return format_html('<a href="{}">{}</a>', url, value) if url else format_html("{}", value)


@register.simple_tag
def indicator_card(cell, links: dict) -> SafeString:
    """One indicator's card: the rate against the target, the counts with their drill-down links, the
    definition."""
    ind = cell.indicator
    if cell.wired:
        missed = (
            format_html(' · 未达标 <a href="{}">{}</a>', links["missed"], cell.missed)
            if links.get("missed") and cell.missed
            else ""
        )
        counts = format_html(
            "<p>{} {} / {} {}{}</p>",
            ind.numerator_label, _figure(links.get("num"), cell.num),
            ind.denominator_label, _figure(links.get("den"), cell.den), missed,
        )  # fmt: skip
    else:
        counts = mark_safe('<p class="muted">尚未接入数据</p>')
    return format_html(
        '<div class="card indicator-card{}" id="ind-{}"><h2 class="h3">{}</h2>'
        '<p class="stat">{}{}</p><p>目标 {}%</p>{}'
        "<details><summary>指标定义</summary><p>{}</p></details></div>",
        " light-red" if cell.below else "", ind.code, ind.name,
        cell.display, format_html(" {}", BELOW) if cell.below else "", cell.target, counts,
        ind.definition,
    )  # fmt: skip


def _td(cell, url: str | None) -> SafeString:
    if url and cell.den:
        shown = format_html(
            '<a href="{}" title="{} / {}，点击查看未达标办件">{}</a>', url, cell.num, cell.den, cell.display
        )
    else:
        shown = format_html("{}", cell.display)
    return format_html(
        '<td data-label="{}"{}>{}{}</td>',
        cell.indicator.name, mark_safe(' class="below"') if cell.below else "", shown, BELOW if cell.below else "",
    )  # fmt: skip


@register.simple_tag
def indicator_cells(cells: list) -> SafeString:
    """A table row's cells: (cell, link to its misses or None) each."""
    return format_html_join("", "{}", ((_td(cell, url),) for cell, url in cells))
