from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from bangban.accounts.roles import Cap
from bangban.audit import chain
from bangban.audit.forms import AuditSearchForm
from bangban.audit.paging import SearchTooBroad, keyset_page
from bangban.audit.selectors import audit_list
from bangban.core.navigation import requires


@login_required
@requires(Cap.AUDIT_VIEW, message="您的角色无权查看审计日志")
def audit_list_view(request):
    """The audit trail, newest first, 50 rows a page with links to older and newer pages (no total:
    counting millions of rows costs more than the page). Bad filters show their errors, no rows."""
    form = AuditSearchForm(request.GET, user=request.user)
    page = None
    if form.is_valid():
        qs = audit_list(user=request.user, **form.filters())
        try:
            page = keyset_page(qs, form.cleaned_data["cursor"])
        except SearchTooBroad as exc:
            form.add_error(None, exc.message)
    params = request.GET.copy()
    params.pop("cursor", None)
    return render(
        request,
        "audit/list.html",
        {
            "form": form,
            "page": page,
            "query": params.urlencode(),
            # A position that led nowhere (invalid, or past the rows): offer the newest rows instead.
            "lost": bool(request.GET.get("cursor")) and not (page and page.rows),
        },
    )


@login_required
@requires(Cap.AUDIT_VIEW, message="您的角色无权查看审计日志")
def audit_integrity_view(request):
    """The chain check, live: first broken link, rows not yet sealed, or 完整."""
    report = chain.verify()
    return render(request, "audit/integrity.html", {"report": report})
