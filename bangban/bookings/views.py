"""Public pages (no login: ask for help, track by number + phone, change a booking, sign on the phone)
and the staff pages (slot templates, the signature pad at the window). Thin: forms → services."""

from __future__ import annotations

import base64
import binascii

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from bangban.accounts.roles import Cap
from bangban.bookings import forms as f
from bangban.bookings import selectors, services
from bangban.bookings.models import PhoneCode, Way
from bangban.cases.models import Entrustment
from bangban.core.context import client_ip
from bangban.core.errors import ServiceError
from bangban.core.forms import call_service
from bangban.core.navigation import requires
from bangban.core.routing import parse_id
from bangban.org.selectors import get_in_scope, institutions_in_scope

CODE_SENT = "验证码已发送，请查看短信（5 分钟内有效）"


def _institution_from(request):
    """The chosen institution: ?institution=id, else the one serving ?place=division code."""
    institution = selectors.public_institution(parse_id(request.GET.get("institution", "")))
    if institution is None and request.GET.get("place"):
        institution = selectors.institution_for_division(request.GET["place"])
    return institution


def ask_view(request):
    """网上申请: choose the institution (by place), then the item, the way, a slot; name + phone + code."""
    institution = _institution_from(request)
    if institution is None and request.method == "POST":
        institution = selectors.public_institution(parse_id(request.POST.get("institution", "")))
    context = {
        "places": selectors.served_divisions(),
        "institutions": selectors.public_institutions(),
        "institution": institution,
        "q": request.GET.get("q", "")[:50],
        "place": request.GET.get("place", "")[:12],
        # The portal's 在线求助 links straight to a way (window slot, 上门服务, remote help).
        "way": request.GET.get("way") if request.GET.get("way") in Way.values else "",
    }
    if institution is None:
        return render(request, "bookings/ask.html", context)
    kind = request.POST.get("kind") or request.GET.get("kind") or "help"
    items = selectors.offered_for(institution, kind=kind, q=context["q"])
    slots = selectors.open_slots(institution)
    if request.method == "POST" and "send_code" in request.POST:
        # Only the phone matters for the code: the rest of the form is kept as typed, unjudged.
        form = f.AskForm(initial=request.POST.dict(), items=items, slots=slots)
        try:
            services.request_code(phone=request.POST.get("phone", ""), client=client_ip(request) or "")
            messages.success(request, CODE_SENT)
        except ServiceError as exc:
            messages.error(request, f"「手机号码」：{exc.message}")
        return render(request, "bookings/ask.html", context | {"form": form})
    initial = {"way": context["way"]} if context["way"] else {}
    form = f.AskForm(request.POST or None, items=items, slots=slots, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        ok, case = call_service(
            form,
            lambda: services.request_create(
                institution=institution,
                kind=d["kind"],
                way=d["way"],
                applicant_name=d["applicant_name"],
                phone=d["phone"],
                code=d["code"],
                items=[d["item"]] if d["item"] else [],
                summary=d["summary"],
                slot_id=d["slot"],
                address=d["address"],
                visit_for=d["visit_for"],
                priority_group=d["priority_group"] or "",
            ),
        )
        if ok:
            messages.success(request, f"已提交，办件编号 {case.number}。我们已发短信给您，请留意。")
            return redirect("cases:track", token=case.tracking_token)
    context |= {"form": form}
    return render(request, "bookings/ask.html", context)


def _lookup_page(request, *, purpose: str, template: str, act):
    slots = []
    form_class = f.CaseLookupForm if purpose == PhoneCode.Purpose.TRACK else f.ManageForm
    kwargs = {} if form_class is f.CaseLookupForm else {"slots": slots}
    if form_class is f.ManageForm:
        institution = selectors.public_institution(parse_id(request.GET.get("institution", "")))
        if institution:
            slots = list(selectors.open_slots(institution).select_related("institution"))
            kwargs = {"slots": slots}
    form = form_class(request.POST or None, **kwargs)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        if "send_code" in request.POST:
            ok, _ = call_service(
                form,
                lambda: services.case_code(
                    number=d["number"], phone=d["phone"], purpose=purpose, client=client_ip(request) or ""
                ),
            )
            if ok:
                messages.success(request, "如办件编号与手机号码相符，验证码已发送到该手机（5 分钟内有效）")
        else:
            if not d.get("code"):
                form.add_error("code", "请填写短信验证码")
            else:
                ok, result = call_service(form, lambda: act(request, d))
                if ok:
                    return result
    return render(request, template, {"form": form, "institutions": selectors.public_institutions()})


def track_lookup_view(request):
    """按编号查询: number + phone → SMS code → the case's tracking page."""

    def act(request, d):
        return redirect(services.track_open(number=d["number"], phone=d["phone"], code=d["code"]))

    return _lookup_page(
        request, purpose=PhoneCode.Purpose.TRACK, template="bookings/track_lookup.html", act=act
    )


def manage_view(request):
    """取消或改约: number + phone → SMS code → cancel, or move to another slot."""

    def act(request, d):
        if "reschedule" in request.POST:
            if not d.get("slot"):
                raise ServiceError("required", "请选择新的预约时间", field="slot")
            booking = services.booking_reschedule(
                number=d["number"], phone=d["phone"], code=d["code"], slot_id=d["slot"]
            )
            messages.success(request, f"已改约到 {booking.slot}")
        else:
            booking = services.booking_cancel(number=d["number"], phone=d["phone"], code=d["code"])
            messages.success(request, "预约已取消")
        return redirect("cases:track", token=booking.case.tracking_token)

    return _lookup_page(request, purpose=PhoneCode.Purpose.BOOKING, template="bookings/manage.html", act=act)


def _png_from(data_url: str) -> bytes:
    prefix = "data:image/png;base64,"
    if not data_url:
        raise ServiceError("required", "请先在签名框内签名", field="image")
    if not data_url.startswith(prefix):
        raise ServiceError("invalid", "签名图像须为 PNG 格式", field="image")
    try:
        return base64.b64decode(data_url[len(prefix) :], validate=True)
    except (binascii.Error, ValueError):
        raise ServiceError("invalid", "签名图像不是有效的 PNG 图片", field="image") from None


def sign_public_view(request, token):
    """The applicant signs the entrustment on their phone through the one-time SMS link."""
    link = services.sign_link_get(token)
    if link is None:
        return render(request, "bookings/sign_dead.html", status=404)
    form = f.SignatureForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ok, _ = call_service(
            form,
            lambda: services.signature_by_link(
                token=token, image=_png_from(form.cleaned_data["image"]), ip=client_ip(request)
            ),
        )
        if ok:
            return render(request, "bookings/sign_done.html", {"case": link.entrustment.case})
    return render(
        request,
        "bookings/sign.html",
        {"form": form, "entrustment": link.entrustment, "case": link.entrustment.case, "public": True},
    )


@login_required
@requires(Cap.CASE_HANDLE)
def sign_window_view(request, pk):
    """请申请人签名: the pad on the window's tablet, and the button that sends the link by SMS."""
    entrustment = get_in_scope(
        Entrustment.objects.select_related("case__institution"), request.user, pk, field="case__institution"
    )
    case = entrustment.case
    signature = services.signature_for(entrustment.pk)
    form = f.SignatureForm(request.POST or None)
    if request.method == "POST" and "send_link" in request.POST:
        try:
            services.sign_link_send(by=request.user, entrustment=entrustment)
            messages.success(request, "签名链接已通过短信发送给申请人（24 小时内有效，仅可使用一次）")
        except ServiceError as exc:
            messages.error(request, exc.message)
        return redirect("bookings:sign_window", pk=entrustment.pk)
    if request.method == "POST" and form.is_valid():
        ok, _ = call_service(
            form,
            lambda: services.signature_at_window(
                by=request.user,
                entrustment=entrustment,
                image=_png_from(form.cleaned_data["image"]),
                ip=client_ip(request),
            ),
        )
        if ok:
            messages.success(request, "申请人已签名，委托书（表 C）将打印签名")
            return redirect("cases:detail", pk=case.pk)
    return render(
        request,
        "bookings/sign.html",
        {"form": form, "entrustment": entrustment, "case": case, "signature": signature, "public": False},
    )


@login_required
@requires(Cap.ORG_MANAGE, Cap.CASE_COORDINATE)
def templates_view(request):
    """预约时段: the weekly openings of the institutions in scope, add/change, generate slots now."""
    institutions = list(institutions_in_scope(request.user).filter(is_active=True))
    form = f.TemplateForm(request.POST or None, institutions=institutions)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        institution = next(i for i in institutions if i.pk == d.pop("institution"))
        ok, _ = call_service(
            form, lambda: services.slot_template_save(by=request.user, institution=institution, **d)
        )
        if ok:
            created = services.slots_generate(institution=institution)
            messages.success(request, f"已保存，新生成 {created} 个预约时段")
            return redirect("bookings:templates")
    return render(
        request,
        "bookings/templates.html",
        {"form": form, "templates": selectors.templates_for(request.user).filter(is_active=True)},
    )


@login_required
@requires(Cap.ORG_MANAGE, Cap.CASE_COORDINATE)
@require_POST
def template_deactivate_view(request, pk):
    template = get_in_scope(selectors.templates_for(request.user), request.user, pk)
    services.slot_template_deactivate(by=request.user, template=template)
    messages.success(request, "已停用该时段模板（已生成的时段和预约不受影响）")
    return redirect(reverse("bookings:templates"))
