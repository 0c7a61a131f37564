"""Knowledge pages: public search and article (/knowledge/), staff management (/knowledge/manage/).
Thin: forms in, services and selectors out."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from bangban.accounts.roles import Cap
from bangban.core.errors import ServiceError
from bangban.core.forms import call_service, form_error_text, querystring_without_page
from bangban.core.navigation import requires
from bangban.knowledge import selectors, services, workflow
from bangban.knowledge.forms import ArticleForm, ImportForm, NoteForm, article_initial
from bangban.knowledge.models import Article

PAGE = 10


# --- public --------------------------------------------------------------------------------------


@require_GET
def search_view(request):
    q = request.GET.get("q", "")[:100]
    try:
        page = max(1, min(int(request.GET.get("page", "1")), 20))
    except ValueError:
        page = 1
    result = selectors.search(q=q, limit=PAGE, offset=(page - 1) * PAGE) if q.strip() else None
    has_next = bool(result and result.matched > page * PAGE)
    return render(
        request,
        "knowledge/search.html",
        {"q": q, "result": result, "page": page, "has_next": has_next},
    )


@require_GET
def article_view(request, pk):
    try:
        article = selectors.article_public(pk=pk)
    except Article.DoesNotExist:
        raise Http404("该知识不存在或已撤回")
    return render(request, "knowledge/article.html", {"article": article, "items": article.items.all()})


# --- staff ---------------------------------------------------------------------------------------


@login_required
@requires(Cap.KNOWLEDGE_MANAGE)
def manage_list_view(request):
    g = request.GET
    qs = selectors.article_list(
        user=request.user,
        status=g.get("status", ""),
        kind=g.get("kind", ""),
        q=g.get("q", ""),
        source=g.get("source", ""),
    )
    return render(
        request,
        "knowledge/manage_list.html",
        {
            "page_obj": Paginator(qs, 20).get_page(g.get("page")),
            "statuses": Article.Status.choices,
            "kinds": Article.Kind.choices,
            "sources": Article.Source.choices,
            "query": querystring_without_page(request),
        },
    )


@login_required
@requires(Cap.KNOWLEDGE_MANAGE)
def edit_view(request, pk=None):
    article = selectors.article_get(user=request.user, pk=pk) if pk else None
    if article is not None and workflow.target("edit", article.status) is None:
        messages.error(request, f"「{article.get_status_display()}」的知识不能修改；已发布的请先撤回")
        return redirect("knowledge:manage_detail", article.pk)
    form = ArticleForm(request.POST or None, initial=article_initial(article) if article else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if article:
            ok, saved = call_service(
                form,
                lambda: services.article_update(
                    by=request.user, article=article, data=data, expected_version=_version(request)
                ),
            )
        else:
            ok, saved = call_service(form, lambda: services.article_create(by=request.user, data=data))
        if ok:
            messages.success(request, f"已保存：{saved.title}")
            return redirect("knowledge:manage_detail", saved.pk)
    return render(
        request,
        "knowledge/edit.html",
        {"form": form, "article": article, "title": "修改知识" if article else "新建知识"},
    )


def _version(request) -> int | None:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return None


@login_required
@requires(Cap.KNOWLEDGE_MANAGE)
def manage_detail_view(request, pk):
    article = selectors.article_get(user=request.user, pk=pk)
    actions = [
        (a, workflow.ACTION_LABELS[a])
        for a in workflow.allowed_actions(article.status, is_author=article.written_by_id == request.user.pk)
        if a != "edit"
    ]
    return render(
        request,
        "knowledge/manage_detail.html",
        {
            "article": article,
            "items": article.items.all(),
            "actions": actions,
            "can_edit": workflow.target("edit", article.status) is not None,
            "note_form": NoteForm(),
            "is_author": article.written_by_id == request.user.pk,
        },
    )


ACTIONS = {
    "submit": lambda by, a, note, v: services.article_submit(by=by, article=a, expected_version=v),
    "return": lambda by, a, note, v: services.article_return(by=by, article=a, note=note, expected_version=v),
    "publish": lambda by, a, note, v: services.article_publish(by=by, article=a, expected_version=v),
    "withdraw": lambda by, a, note, v: services.article_withdraw(
        by=by, article=a, reason=note, expected_version=v
    ),
}


@login_required
@requires(Cap.KNOWLEDGE_MANAGE)
@require_POST
def action_view(request, pk, name):
    article = selectors.article_get(user=request.user, pk=pk)
    if name not in ACTIONS:
        raise Http404("没有这个操作")
    form = NoteForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_error_text(form))
        return redirect("knowledge:manage_detail", article.pk)
    try:
        ACTIONS[name](request.user, article, form.cleaned_data["note"], _version(request))
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已{workflow.ACTION_LABELS[name]}")
    return redirect("knowledge:manage_detail", article.pk)


@login_required
@requires(Cap.KNOWLEDGE_MANAGE)
def import_view(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        ok, report = call_service(
            form, lambda: services.article_import(by=request.user, data=form.cleaned_data["file"].read())
        )
        if ok:
            messages.success(request, f"导入完成：{report.summary}")
    return render(request, "knowledge/import.html", {"form": form, "report": report})
