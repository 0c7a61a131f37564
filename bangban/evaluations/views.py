"""Pages of 好差评: the public rating pages (SMS link, QR), the window counter, staff entry,
the reviews list, and the 差评整改 list and page with each step as a form. Thin: services decide."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from bangban.accounts.permissions import has_cap
from bangban.accounts.roles import Cap
from bangban.cases.models import Case
from bangban.cases.selectors import case_get
from bangban.core.forms import call_service, form_error_text, querystring_without_page
from bangban.core.navigation import requires
from bangban.core.routing import parse_id
from bangban.evaluations import forms as f
from bangban.evaluations import rules, selectors, services, workflow
from bangban.evaluations.models import Appeal, Level, RectStatus

PAGE = 50


# The citizen's pages (SMS link, tracking page) are public pages in the portal shell (portal.public);
# the window's 请您评价 screen is a staff page, turned to the applicant.
PUBLIC_BASE, STAFF_BASE = "portal/base.html", "core/base.html"


def _rate_page(
    request,
    *,
    title: str,
    submit,
    intro: str = "",
    back_url: str = "",
    status: int = 200,
    base: str = PUBLIC_BASE,
):
    """GET: the rating form; POST: the review through `submit(data)`, then thanks."""
    form = f.RateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ok, review = call_service(form, lambda: submit(form.cleaned_data))
        if ok:
            return render(
                request,
                "evaluations/thanks.html",
                {
                    "review": review,
                    "back_url": back_url,
                    "title": title,
                    "bad": rules.is_bad(review.level),
                    "base": base,
                },
            )
    return render(
        request,
        "evaluations/rate.html",
        {"form": form, "title": title, "intro": intro, "back_url": back_url, "base": base},
        status=status,
    )


def _refused(request, message: str, status: int = 200):
    return render(
        request, "evaluations/refused.html", {"message": message, "base": PUBLIC_BASE}, status=status
    )


def public_review_view(request, token):
    """The SMS link (/r/<token>/): no login, no JavaScript needed, one use."""
    invitation = services.invitation_by_token(token)
    if (problem := services.invitation_problem(invitation)) is not None:
        return _refused(request, problem.message, 404 if problem.code == "invalid_link" else 410)
    case = invitation.case
    return _rate_page(
        request,
        title="服务评价",
        intro=f"办件 {case.number}（{case.institution.name}）已办结。本链接只能评价一次，"
        f"{timezone.localtime(invitation.expires_at):%Y年%-m月%-d日}前有效。",
        submit=lambda d: services.review_submit_by_token(
            token=token, level=d["level"], aspects=d["aspects"], comment=d["comment"]
        ),
    )


def track_review_view(request, token):
    """评价本次服务 from the public tracking page (the QR code on forms A and B)."""
    case = (
        Case.objects.select_related("institution").filter(tracking_token=token).first()
        if len(token) <= 32
        else None
    )
    if case is None:
        raise Http404("办件不存在")
    return _rate_page(
        request,
        title="服务评价",
        intro=f"办件 {case.number}（{case.institution.name}）。同一办理环节可评价一次，之后可追评一次。",
        back_url=reverse("cases:track", args=[token]),
        submit=lambda d: services.review_submit_by_tracking(
            tracking_token=token, level=d["level"], aspects=d["aspects"], comment=d["comment"]
        ),
    )


def _case_param(request):
    raw = request.GET.get("case", "")
    if not raw:
        return None
    pk = parse_id(raw)
    if pk is None:
        raise Http404("办件不存在")
    return case_get(user=request.user, pk=pk)


@login_required
@requires(Cap.REVIEW_HANDLE)
def counter_view(request):
    """请您评价: the agent turns the screen to the applicant (a case, or an encounter without one)."""
    case = _case_param(request)
    back = reverse("cases:detail", args=[case.pk]) if case else reverse("evaluations:counter")
    place = request.user.institution.name if request.user.institution else ""
    intro = f"办件 {case.number}" if case else f"{place}现场服务"
    return _rate_page(
        request,
        title="请您评价",
        intro=intro + "，请为工作人员的服务评价。",
        back_url=back,
        base=STAFF_BASE,
        submit=lambda d: services.review_submit_at_window(
            by=request.user, case=case, level=d["level"], aspects=d["aspects"], comment=d["comment"]
        ),
    )


@login_required
@requires(Cap.REVIEW_HANDLE)
def enter_view(request):
    """工作人员代录: a paper or phone review."""
    initial = {"case": parse_id(request.GET.get("case", ""))}
    form = f.EnterForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data

        def submit():
            case = case_get(user=request.user, pk=d["case"]) if d["case"] else None
            return services.review_enter(
                by=request.user,
                channel=d["channel"],
                case=case,
                stage=d["stage"] or None,
                level=d["level"],
                aspects=d["aspects"],
                comment=d["comment"],
            )

        ok, review = call_service(form, submit)
        if ok:
            messages.success(request, f"已代录评价：{review.get_level_display()}")
            return redirect("evaluations:review", pk=review.pk)
    return render(request, "evaluations/enter.html", {"form": form})


def _date(value: str):
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


@login_required
@requires(*selectors.READER_CAPS)
def review_list_view(request):
    q = request.GET
    level = parse_id(q.get("level", ""))
    reviews = selectors.review_list(
        user=request.user,
        level=level if level in range(1, 6) else None,
        date_from=_date(q.get("date_from", "")),
        date_to=_date(q.get("date_to", "")),
        institution=parse_id(q.get("institution", "")),
    )
    page = max(1, min(parse_id(q.get("page", "")) or 1, 1000))
    rows = list(reviews[(page - 1) * PAGE : page * PAGE + 1])
    return render(
        request,
        "evaluations/reviews.html",
        {
            "rows": rows[:PAGE],
            "levels": sorted(Level.choices, reverse=True),
            "page_number": page,
            "previous_page": page - 1 if page > 1 else None,
            "next_page": page + 1 if len(rows) > PAGE else None,
            "query": querystring_without_page(request),
            "can_enter": has_cap(request.user, Cap.REVIEW_HANDLE),
        },
    )


@login_required
@requires(*selectors.READER_CAPS)
def review_detail_view(request, pk):
    review = selectors.review_get(user=request.user, pk=pk)
    try:
        appeal = review.appeal
    except Appeal.DoesNotExist:
        appeal = None
    return render(
        request,
        "evaluations/review.html",
        {
            "review": review,
            "appeal": appeal,
            "rect": getattr(review, "rectification", None) if hasattr(review, "rectification") else None,
            "follow_ups": review.follow_ups.all(),
            "appeal_form": f.ReasonForm()
            if appeal is None and has_cap(request.user, Cap.REVIEW_HANDLE)
            else None,
            "decide_form": f.DecideForm()
            if appeal and appeal.state == Appeal.State.PENDING and has_cap(request.user, Cap.REVIEW_DECIDE)
            else None,
        },
    )


@login_required
@requires(Cap.REVIEW_HANDLE)
@require_POST
def appeal_file_view(request, pk):
    review = selectors.review_get(user=request.user, pk=pk)
    form = f.ReasonForm(request.POST)
    if form.is_valid():
        ok, _ = call_service(
            form, lambda: services.appeal_file(review=review, by=request.user, **form.cleaned_data)
        )
        if ok:
            messages.success(request, "已提出申诉，等待监督员裁定")
            return redirect("evaluations:review", pk=review.pk)
    messages.error(request, form_error_text(form))
    return redirect("evaluations:review", pk=review.pk)


@login_required
@requires(Cap.REVIEW_DECIDE)
@require_POST
def appeal_decide_view(request, pk):
    appeal = Appeal.objects.filter(pk=pk).first()
    if appeal is None:
        raise Http404("申诉不存在")
    review = selectors.review_get(user=request.user, pk=appeal.review_id)
    form = f.DecideForm(request.POST)
    if form.is_valid():
        ok, _ = call_service(
            form, lambda: services.appeal_decide(appeal=appeal, by=request.user, **form.cleaned_data)
        )
        if ok:
            messages.success(request, "已裁定申诉")
            return redirect("evaluations:review", pk=review.pk)
    messages.error(request, form_error_text(form))
    return redirect("evaluations:review", pk=review.pk)


@login_required
@requires(*selectors.READER_CAPS)
def rectification_list_view(request):
    q = request.GET
    status = q.get("status", "")
    if status not in RectStatus.values:
        status = ""
    today = timezone.localdate()
    rects = selectors.rectification_list(
        user=request.user, status=status, late=q.get("late") == "1", today=today
    )
    if not status and q.get("all") != "1":
        rects = rects.exclude(status=RectStatus.CLOSED)
    page = max(1, min(parse_id(q.get("page", "")) or 1, 1000))
    items = list(rects[(page - 1) * PAGE : page * PAGE + 1])
    rows = [(r, selectors.is_late(r, today)) for r in items[:PAGE]]
    return render(
        request,
        "evaluations/rectifications.html",
        {
            "rows": rows,
            "statuses": RectStatus.choices,
            "page_number": page,
            "previous_page": page - 1 if page > 1 else None,
            "next_page": page + 1 if len(items) > PAGE else None,
            "query": querystring_without_page(request),
        },
    )


STEP_FORMS = {
    "revisit": f.RevisitForm,
    "verify": f.VerifyForm,
    "rectify": f.RectifyForm,
    "feedback": f.FeedbackForm,
    "approve": f.ApproveForm,
    "send_back": f.SendBackForm,
}
STEP_SERVICES = {
    "revisit": services.rectification_revisit,
    "verify": services.rectification_verify,
    "rectify": services.rectification_rectify,
    "feedback": services.rectification_feedback,
    "approve": services.rectification_approve,
    "send_back": services.rectification_send_back,
}


def _offered_steps(user, rect) -> list[str]:
    """The step forms this user may submit now (the services check the same)."""
    handle, decide = has_cap(user, Cap.REVIEW_HANDLE), has_cap(user, Cap.REVIEW_DECIDE)
    steps = ["revisit"] if handle and rect.status != RectStatus.CLOSED else []
    for action in workflow.allowed_actions(rect.status):
        if action == "dismiss":
            continue  # 核实 offers 不属实 as a finding
        if (decide if action in workflow.SUPERVISOR_ACTIONS else handle) and action not in steps:
            steps.append(action)
    return steps


STEP_TITLES = {"revisit": "登记回访", **workflow.ACTION_LABELS, "verify": "核实"}


@login_required
@requires(*selectors.READER_CAPS)
def rectification_detail_view(request, pk):
    return _rectification_page(request, selectors.rectification_get(user=request.user, pk=pk))


def _rectification_page(request, rect, bound=None):
    steps = []
    for name in _offered_steps(request.user, rect):
        form = bound[1] if bound and bound[0] == name else STEP_FORMS[name](initial=_initial(name))
        steps.append({"name": name, "title": STEP_TITLES[name], "form": form})
    return render(
        request,
        "evaluations/rectification.html",
        {
            "rect": rect,
            "review": rect.review,
            "late": selectors.is_late(rect, timezone.localdate()),
            "revisits": rect.revisits.select_related("by"),
            "history": rect.steps.select_related("by"),
            "steps": steps,
            "needs_revisit": rect.review.real_name and not rect.revisits.exists(),
        },
        status=400 if bound else 200,
    )


def _initial(name: str) -> dict:
    if name == "revisit":
        return {"called_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "reached": "1"}
    return {}


@login_required
@requires(Cap.REVIEW_HANDLE, Cap.REVIEW_DECIDE)
@require_POST
def rectification_step_view(request, pk, step):
    rect = selectors.rectification_get(user=request.user, pk=pk)
    if step not in STEP_FORMS:
        raise Http404("没有这个步骤")
    form = STEP_FORMS[step](request.POST)
    if form.is_valid():
        data = dict(form.cleaned_data)
        if step != "revisit":
            data["expected_version"] = parse_id(request.POST.get("version", ""))
        ok, _ = call_service(form, lambda: STEP_SERVICES[step](rect=rect, by=request.user, **data))
        if ok:
            messages.success(request, f"已{STEP_TITLES[step]}")
            return redirect("evaluations:rectification", pk=rect.pk)
    return _rectification_page(request, selectors.rectification_get(user=request.user, pk=pk), (step, form))


@login_required
@requires(*selectors.READER_CAPS)
def rectify_limits_view(request):
    """整改时限 per institution: each institution of the scope with the limit that applies to it."""
    from bangban.evaluations.models import RectifyLimit
    from bangban.org.selectors import institutions_in_scope

    user = request.user
    can_set = has_cap(user, Cap.SUPERVISION_ISSUE)
    form = f.RectifyLimitForm(request.POST or None, user=user) if can_set else None
    if request.method == "POST" and form is not None and form.is_valid():
        d = form.cleaned_data
        ok, _ = call_service(
            form, lambda: services.rectify_limit_set(by=user, institution=d["institution"], days=d["days"])
        )
        if ok:
            messages.success(request, f"已保存{d['institution'].name}的整改时限")
            return redirect("evaluations:rectify_limits")
    institutions = list(institutions_in_scope(user).order_by("path"))
    own = dict(RectifyLimit.objects.values_list("institution_id", "days"))
    rows = [(i, own.get(i.pk), services.rectify_limit_days(i)) for i in institutions]
    return render(
        request,
        "evaluations/rectify_limits.html",
        {"rows": rows, "form": form, "default": services.rectify_limit_days(None)},
        status=400 if form is not None and form.errors else 200,
    )
