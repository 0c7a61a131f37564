"""The audit trail's rows as HTML, written here rather than in the template (as the work queue's rows,
cases.templatetags.case_rows): a page of 50 rows in the template language cost more than the rest of
the request. Every value is escaped (core.html.format_html, Django's at a third of the cost)."""

from django import template
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from bangban.audit.presentation import readable_changes
from bangban.core.html import format_html, format_html_join

register = template.Library()

# Actions shown in red: refusals and failed or locked sign-ins.
ALARMS = frozenset({"access.refused", "auth.login_failed", "auth.locked"})


def _changes(event) -> SafeString:
    rows = readable_changes(event)
    if not rows:
        return mark_safe("")
    return format_html(
        '<dl class="changes">{}</dl>',
        format_html_join(
            "",
            '\n    <dt>{}</dt><dd>{}<span class="after">{}</span></dd>',
            (
                (
                    c["label"],
                    format_html('<span class="before">{}</span> → ', c["before"])
                    if c["before"] is not None
                    else "",
                    c["after"],
                )
                for c in rows
            ),
        ),
    )


def _row(e) -> SafeString:
    return format_html(
        '<tr>\n  <td data-label="时间">{}</td>\n  <td data-label="操作人">{}</td>\n  <td data-label="机构">{}</td>\n'
        '  <td data-label="操作"><span class="tag{}">{}</span></td>\n  <td data-label="对象">{}{}</td>\n'
        '  <td data-label="变更">{}</td>\n  <td data-label="IP">{}</td>\n</tr>',
        timezone.localtime(e.at).strftime("%Y-%m-%d %H:%M:%S"),
        e.actor_name or "系统",
        e.institution.name if e.institution_id else "—",
        " tag-red" if e.action in ALARMS else "",
        e.action_label,
        e.object_repr,
        format_html('<br><span class="muted">{}</span>', e.note) if e.note else "",
        _changes(e),
        e.ip or "",
    )


@register.simple_tag
def audit_rows(page, refused: bool) -> SafeString:
    """The table body for a keyset page of AuditEvent (institution loaded); `refused`: the search had
    errors, so there are no rows to show."""
    if page and page.rows:
        return format_html_join("\n", "{}", ((_row(e),) for e in page.rows))
    text = "请先修正查询条件" if refused else "没有符合条件的记录"
    return format_html('<tr><td colspan="7">{}</td></tr>', text)
