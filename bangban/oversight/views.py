from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from bangban.accounts.permissions import has_cap
from bangban.accounts.roles import Cap
from bangban.cases import clock
from bangban.cases import selectors as case_selectors
from bangban.complaints import selectors as complaint_selectors
from bangban.core.forms import call_service, form_error_text, querystring_without_page
from bangban.core.navigation import requires
from bangban.oversight import selectors, services
from bangban.oversight.forms import AnswerForm, CloseForm, IssueForm

READERS = selectors.READER_CAPS


@login_required
@requires(*READERS)
def order_list_view(request):
    user = request.user
    box = request.GET.get("box", "")
    if box not in selectors.BOXES:
        # a supervisor (who may also handle complaints) starts on every order, a handler on theirs
        issuer = has_cap(user, Cap.SUPERVISION_ISSUE)
        box = "mine" if selectors.answerable_q(user) is not None and not issuer else "all"
    late = request.GET.get("late") == "1"
    page = Paginator(selectors.order_list(user=user, box=box, late=late), 20).get_page(
        request.GET.get("page")
    )
    today = clock.today()
    for order in page:
        order.late = order.is_late(today)
    return render(
        request,
        "oversight/list.html",
        {
            "page_obj": page,
            "box": box,
            "boxes": selectors.BOXES,
            "box_label": selectors.BOXES[box],
            "late": late,
            "query": querystring_without_page(request),
        },
    )


@login_required
@requires(*READERS)
def order_detail_view(request, pk):
    order = selectors.order_get(user=request.user, pk=pk)
    return _detail(request, order)


def _detail(request, order, *, answer_form=None, close_form=None, status=200):
    user = request.user
    can_answer = order.state == "pending" and services.may_answer(order=order, by=user)
    can_evaluate = order.state == "answered" and services.may_evaluate(order=order, by=user)
    # A refused form whose section is no longer offered (say, answered meanwhile by someone else):
    # its message still reaches the reader.
    for form, shown in ((answer_form, can_answer), (close_form, can_evaluate)):
        if form is not None and form.errors and not shown:
            messages.error(request, form_error_text(form))
    return render(
        request,
        "oversight/detail.html",
        {
            "order": order,
            "late": order.is_late(clock.today()),
            "events": order.events.all(),
            "answer_form": (answer_form or AnswerForm(prefix="answer")) if can_answer else None,
            "close_form": (close_form or CloseForm(prefix="close")) if can_evaluate else None,
        },
        status=status,
    )


@login_required
@requires(Cap.SUPERVISION_ISSUE)
def order_issue_view(request, case_pk):
    case = case_selectors.case_get(user=request.user, pk=case_pk)
    return _issue(
        request,
        {"case": case},
        {"case": case, "light": clock.light(case), "issuable": services.case_issuable(case=case)},
    )


@login_required
@requires(Cap.SUPERVISION_ISSUE)
def order_issue_complaint_view(request, complaint_pk):
    complaint = complaint_selectors.complaint_get(user=request.user, pk=complaint_pk)
    return _issue(
        request,
        {"complaint": complaint},
        {
            "complaint": complaint,
            "light": services.complaint_light(complaint),
            "issuable": services.complaint_issuable(complaint=complaint),
        },
    )


def _issue(request, target: dict, context: dict):
    form = IssueForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        ok, order = call_service(
            form,
            lambda: services.order_issue(
                by=request.user, requirement=d["requirement"], limit_days=d["limit_days"], **target
            ),
        )
        if ok:
            messages.success(request, f"督办单已签发，答复期限 {order.due_date:%Y-%m-%d}")
            return redirect("oversight:detail", pk=order.pk)
    return render(
        request,
        "oversight/issue.html",
        {"form": form, **context},
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
@requires(*READERS)
@require_POST
def order_answer_view(request, pk):
    order = selectors.order_get(user=request.user, pk=pk)
    form = AnswerForm(request.POST, prefix="answer")
    if form.is_valid():
        d = form.cleaned_data
        ok, _ = call_service(
            form,
            lambda: services.order_answer(
                order=order, by=request.user, reply=d["reply"], actions_taken=d["actions_taken"]
            ),
        )
        if ok:
            messages.success(request, "已答复，等待督办人评价")
            return redirect("oversight:detail", pk=order.pk)
    return _detail(request, order, answer_form=form, status=400)


@login_required
@requires(Cap.SUPERVISION_ISSUE)
@require_POST
def order_close_view(request, pk):
    order = selectors.order_get(user=request.user, pk=pk)
    form = CloseForm(request.POST, prefix="close")
    if form.is_valid():
        d = form.cleaned_data
        ok, order2 = call_service(
            form,
            lambda: services.order_close(
                order=order, by=request.user, satisfied=d["satisfied"], comment=d["comment"]
            ),
        )
        if ok:
            messages.success(request, "督办单已办结" if d["satisfied"] else "已退回承办机构重新答复")
            return redirect("oversight:detail", pk=order.pk)
    return _detail(request, order, close_form=form, status=400)
