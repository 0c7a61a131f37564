"""Public pages: thin views over portal.selectors and portal.services. None of them reads the session
(portal.public.PublicPageMiddleware); the 关怀版 is a stylesheet chosen by the cookie (mode_css), so
the HTML of a page is the same for everyone and a proxy may cache it."""

from __future__ import annotations

import datetime
import hashlib
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.core import signing
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_http_methods, require_safe

from bangban.core.context import client_ip
from bangban.core.errors import ServiceError
from bangban.core.forms import call_service
from bangban.core.routing import parse_id
from bangban.divisions.models import Division
from bangban.org.models import Institution
from bangban.portal import rules, selectors, services
from bangban.portal.forms import AskForm

STATIC = Path(__file__).resolve().parent / "static" / "portal"
# Which of the two switch links shows; the care sheet flips it (see care.css).
NORMAL_CSS = ".when-care{display:none!important}\n"


@require_safe
def home(request):
    q = request.GET
    town = selectors.division_in_area(q.get("town"), level=Division.Level.TOWN)
    village = selectors.division_in_area(q.get("village"), level=Division.Level.VILLAGE, parent=town)
    place_error = ""
    if q.get("town") and town is None:
        place_error = "「镇（街道）」请从列表中选择"
    elif q.get("village") and village is None:
        place_error = "「村（社区）」请从所选镇（街道）的列表中选择"
    chosen = village or town
    return render(
        request,
        "portal/home.html",
        {
            "bundles": selectors.home_bundles(),
            "popular": selectors.popular_items(),
            "themes": selectors.citizen_themes(),
            "towns": selectors.towns(),
            "town": town,
            "villages": selectors.villages(town),
            "village": village,
            "chosen": chosen,
            "near": selectors.institutions_near(chosen) if chosen else [],
            "place_error": place_error,
        },
    )


def _ask_item(request) -> tuple[int, str] | None:
    return selectors.item_name(parse_id(request.POST.get("item") or request.GET.get("item")))


@require_http_methods(["GET", "POST"])
def ask(request):
    institutions = selectors.ask_institutions()
    item = _ask_item(request)
    initial = {"institution": parse_id(request.GET.get("institution"))}
    if item:
        initial["item"] = item[0]
    if not initial["institution"] and (host := selectors.host_contact()):
        initial["institution"] = host.pk
    if request.method == "POST" and "send_code" in request.POST:
        # Only the phone matters for the code: the rest of the form is kept as typed, unjudged.
        form = AskForm(initial=request.POST.dict(), institutions=institutions, item=item)
        context = {"form": form, "item": item}
        try:
            services.question_code(phone=request.POST.get("phone", ""), client=client_ip(request) or "")
            context["code_sent"] = True
        except ServiceError as exc:
            context["code_error"] = f"「手机号码」{exc.message}"
        return render(request, "portal/ask.html", context)
    form = AskForm(request.POST or None, institutions=institutions, item=item, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        institution = Institution.objects.filter(pk=data["institution"], is_active=True).first()
        if institution is None:  # closed since the form was drawn
            form.add_error("institution", "「向哪个服务机构咨询」该机构已停用，请另选")
        else:
            ok, consultation = call_service(
                form,
                lambda: services.question_submit(
                    institution=institution,
                    question=data["question"],
                    phone=data["phone"],
                    code=data["code"],
                    asker_name=data["asker_name"],
                    item=data.get("item"),
                    client=client_ip(request),
                ),
            )
            if ok:
                receipt = signing.dumps(
                    {"due": consultation.answer_due.isoformat(), "inst": institution.name}, salt="portal.ask"
                )
                return redirect(f"{request.path}done/?r={receipt}")
    return render(request, "portal/ask.html", {"form": form, "item": item})


@require_safe
def ask_done(request):
    """After a question: when the answer is due and where it comes from (signed by the form, so the page
    shows only what the server said)."""
    try:
        receipt = signing.loads(request.GET.get("r", ""), salt="portal.ask", max_age=7 * 24 * 3600)
        due = datetime.date.fromisoformat(receipt["due"])
        institution = str(receipt["inst"])[:100]
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise Http404("回执无效") from None
    return render(request, "portal/ask_done.html", {"due": due, "institution": institution})


SEARCH_PAGE = 10


@require_safe
def search(request):
    """The home's search box: the knowledge base's search (word segmentation, synonyms) over items and
    articles, in the portal's shell. Cacheable: the same answer for everyone."""
    from bangban.knowledge.selectors import search as knowledge_search

    q = " ".join(request.GET.get("q", "").split())[:100]
    page = parse_id(request.GET.get("page", "")) or 1
    page = min(page, 5)
    result = knowledge_search(q=q, limit=SEARCH_PAGE, offset=(page - 1) * SEARCH_PAGE) if q else None
    has_next = bool(result and result.matched > page * SEARCH_PAGE)
    return render(
        request, "portal/search.html", {"q": q, "result": result, "page": page, "has_next": has_next}
    )


@require_safe
def help_page(request):
    return render(request, "portal/help.html", {"host": selectors.host_contact()})


@require_safe
def track(request):
    return render(request, "portal/track.html", {"host": selectors.host_contact()})


@require_safe
def accessibility(request):
    return render(request, "portal/accessibility.html", {"host": selectors.host_contact()})


@require_safe
def care_switch(request, on: bool):
    """The 关怀版 switch: a plain link (works without JavaScript) that sets or clears the cookie and
    returns to the page it was clicked on."""
    response = HttpResponseRedirect(rules.safe_next(request.GET.get("next")))
    if on:
        response.set_cookie(
            rules.CARE_COOKIE,
            rules.CARE_ON,
            max_age=rules.CARE_MAX_AGE,
            samesite="Lax",
            httponly=True,
            secure=settings.SESSION_COOKIE_SECURE,
        )
    else:
        response.delete_cookie(rules.CARE_COOKIE, samesite="Lax")
    response["Cache-Control"] = "no-store"
    return response


@lru_cache(maxsize=1)
def _care_css() -> str:
    return (STATIC / "care.css").read_text(encoding="utf-8")


@require_safe
def mode_css(request):
    """The page's mode stylesheet: the 关怀版 rules when the device chose it, else only the switch rule.
    Linked from <head>, so the first paint is right and no page's HTML depends on the cookie."""
    care = rules.care_on(request.COOKIES.get(rules.CARE_COOKIE))
    body = _care_css() if care else NORMAL_CSS
    etag = '"' + hashlib.sha256(body.encode()).hexdigest()[:16] + '"'
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(body, content_type="text/css; charset=utf-8")
    response["ETag"] = etag
    response["Cache-Control"] = "private, no-cache"
    patch_vary_headers(response, ["Cookie"])
    return response
