from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from bangban.core.errors import ServiceError
from bangban.core.forms import querystring_without_page
from bangban.core.navigation import requires
from bangban.notifications import selectors, services
from bangban.notifications.models import Message


@login_required
@requires(*services.VIEW_CAPS, message="您的角色无权查看短信记录")
def message_list_view(request):
    q = request.GET
    status = q.get("status", "") if q.get("status", "") in Message.Status.values else ""
    event = q.get("event", "") if q.get("event", "") in Message.Event.values else ""
    qs = selectors.message_list(
        user=request.user,
        status=status,
        event=event,
        search=q.get("q", "").strip(),
        object_type=q.get("object_type", ""),
        object_id=q.get("object_id", ""),
    )
    page = Paginator(qs, 50).get_page(q.get("page"))
    return render(
        request,
        "notifications/list.html",
        {
            "page_obj": page,
            "query": querystring_without_page(request),
            "statuses": Message.Status.choices,
            "events": Message.Event.choices,
            "back": request.get_full_path(),
        },
    )


@login_required
@require_POST
def message_retry_view(request, pk):
    message = selectors.message_get(user=request.user, pk=pk)
    try:
        services.message_retry(by=request.user, message=message)
        messages.success(request, f"已重新发送至 {message.masked_phone} 的短信")
    except ServiceError as exc:
        messages.error(request, exc.message)
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return redirect(back)
    return redirect("notifications:message_list")
