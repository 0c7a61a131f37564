from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.dateparse import parse_date

from bangban.accounts.roles import Cap
from bangban.audit import chain
from bangban.audit.actions import ACTION_LABELS
from bangban.audit.selectors import audit_list
from bangban.core.forms import querystring_without_page
from bangban.core.navigation import requires
from bangban.core.routing import parse_id
from bangban.org.selectors import institutions_in_scope


@login_required
@requires(Cap.AUDIT_VIEW, message="您的角色无权查看审计日志")
def audit_list_view(request):
    q = request.GET
    date_from, date_to = parse_date(q.get("from", "") or ""), parse_date(q.get("to", "") or "")
    institution = q.get("institution", "")
    qs = audit_list(
        user=request.user,
        actor=q.get("actor", "").strip(),
        action=q.get("action", ""),
        object_type=q.get("object_type", ""),
        object_id=q.get("object_id", ""),
        institution_id=parse_id(institution),
        date_from=date_from,
        date_to=date_to,
        text=q.get("text", "").strip(),
    )
    page = Paginator(qs, 50).get_page(q.get("page"))
    return render(
        request,
        "audit/list.html",
        {
            "page_obj": page,
            "query": querystring_without_page(request),
            "actions": sorted(ACTION_LABELS.items()),
            "institutions": institutions_in_scope(request.user),
        },
    )


@login_required
@requires(Cap.AUDIT_VIEW, message="您的角色无权查看审计日志")
def audit_integrity_view(request):
    """The chain check, live: first broken link, rows not yet sealed, or 完整."""
    report = chain.verify()
    return render(request, "audit/integrity.html", {"report": report})
