"""Knowledge through the API: the public search (throttled) and the staff's articles, scoped and
audited like the pages (selectors + services)."""

from __future__ import annotations

from django.conf import settings
from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.decorators import action, api_view, permission_classes, throttle_classes
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle

from bangban.catalog.models import Item
from bangban.core import uploads
from bangban.knowledge import selectors, services
from bangban.knowledge.models import BODY_MAX, TAGS_MAX, TITLE_MAX, Article
from bangban.knowledge.services import IMPORT_MAX_BYTES, ITEMS_MAX


class SearchThrottle(SimpleRateThrottle):
    """Per client address; BANGBAN_KNOWLEDGE_SEARCH_RATE (default 120/min, None: off)."""

    scope = "knowledge_search"

    def get_rate(self):
        return getattr(settings, "BANGBAN_KNOWLEDGE_SEARCH_RATE", "120/min")

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class KnowledgeHitSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        label="类型", choices=["article", "item"], help_text="article 知识；item 办事指南（事项）"
    )
    id = serializers.IntegerField()
    title = serializers.CharField(
        label="标题或问题",
    )
    url = serializers.CharField()
    label = serializers.CharField(help_text="问答 / 文章 / 办事指南")
    score = serializers.FloatField()
    title_html = serializers.CharField(help_text="标题，命中词以 <mark> 标出，其余已转义")
    snippet_html = serializers.CharField(help_text="摘要，命中词以 <mark> 标出，其余已转义")


class KnowledgeSearchSerializer(serializers.Serializer):
    q = serializers.CharField(
        label="检索词",
    )
    words = serializers.ListField(child=serializers.CharField(), help_text="分词并扩展同义词后的检索词")
    results = KnowledgeHitSerializer(many=True)
    has_next = serializers.BooleanField()


class KnowledgeSearchQuerySerializer(serializers.Serializer):
    q = serializers.CharField(label="检索词", max_length=100, allow_blank=True, required=False, default="")
    page = serializers.IntegerField(label="页码", min_value=1, max_value=20, required=False, default=1)
    page_size = serializers.IntegerField(
        label="每页条数", min_value=1, max_value=selectors.RESULTS_MAX, required=False, default=10
    )


@extend_schema(
    summary="知识库检索（公开）：中文分词、同义词，问答和事项一起排序",
    parameters=[
        OpenApiParameter("q", str, description="检索词，口语即可，如“办社保卡”（最多 100 字）"),
        OpenApiParameter("page", int, description="页码（1–20）"),
        OpenApiParameter("page_size", int, description=f"每页条数（1–{selectors.RESULTS_MAX}，默认 10）"),
    ],
    responses=KnowledgeSearchSerializer,
    auth=[],
)
@api_view(["GET"])
@permission_classes([permissions.AllowAny])
@throttle_classes([SearchThrottle])
def search(request):
    s = KnowledgeSearchQuerySerializer(data=request.query_params)
    s.is_valid(raise_exception=True)
    q, page, size = s.validated_data["q"], s.validated_data["page"], s.validated_data["page_size"]
    result = selectors.search(q=q, limit=size, offset=(page - 1) * size)
    return Response(
        {
            "q": q,
            "words": result.words,
            "results": [
                {
                    "kind": h.kind,
                    "id": h.id,
                    "title": h.title,
                    "url": h.url,
                    "label": h.label,
                    "score": h.score,
                    "title_html": str(h.title_html),
                    "snippet_html": str(h.snippet_html),
                }
                for h in result.hits
            ],
            "has_next": result.matched > page * size,
        }
    )


class KnowledgeArticleSerializer(serializers.ModelSerializer):
    institution_name = serializers.CharField(source="institution.name", read_only=True)
    written_by_name = serializers.CharField(source="written_by.display_name", read_only=True)
    reviewed_by_name = serializers.CharField(source="reviewed_by.display_name", read_only=True, default=None)
    items = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Article
        fields = [
            "id",
            "kind",
            "title",
            "body",
            "items",
            "tags",
            "source",
            "valid_from",
            "valid_to",
            "status",
            "version",
            "institution",
            "institution_name",
            "written_by",
            "written_by_name",
            "reviewed_by",
            "reviewed_by_name",
            "published_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ItemIdsField(serializers.ListField):
    """A list of item ids whose errors are reported on the field itself (「相关事项」), not per index."""

    def to_internal_value(self, data):
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError:
            raise serializers.ValidationError(f"应为事项编号（正整数）的列表，最多 {ITEMS_MAX} 个")


class KnowledgeArticleWriteSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(label="类型", choices=Article.Kind.choices, default=Article.Kind.QA)
    title = serializers.CharField(label="标题或问题", max_length=TITLE_MAX)
    body = serializers.CharField(label="正文或答复", max_length=BODY_MAX)
    items = ItemIdsField(
        label="相关事项",
        child=serializers.IntegerField(min_value=1, max_value=2**31 - 1),
        max_length=ITEMS_MAX,
        required=False,
        default=list,
        help_text="事项编号",
    )
    tags = serializers.CharField(
        label="分类标签", max_length=TAGS_MAX, required=False, allow_blank=True, default=""
    )
    source = serializers.ChoiceField(label="来源", choices=Article.Source.choices, default=Article.Source.OWN)
    valid_from = serializers.DateField(label="生效日期", required=False, allow_null=True, default=None)
    valid_to = serializers.DateField(label="有效期至", required=False, allow_null=True, default=None)
    version = serializers.IntegerField(
        label="版本",
        required=False,
        allow_null=True,
        min_value=1,
        max_value=2**31 - 1,
        help_text="修改时看到的版本，防止覆盖他人修改",
    )

    def validate_items(self, value):
        ids = list(dict.fromkeys(value))
        found = {i.pk: i for i in Item.objects.filter(pk__in=ids)}
        missing = [i for i in ids if i not in found]
        if missing:
            raise serializers.ValidationError(f"事项不存在：{', '.join(map(str, missing[:5]))}")
        return [found[i] for i in ids]


class KnowledgeActionSerializer(serializers.Serializer):
    note = serializers.CharField(label="说明", max_length=500, required=False, allow_blank=True, default="")
    version = serializers.IntegerField(
        label="版本", required=False, allow_null=True, min_value=1, max_value=2**31 - 1
    )


class KnowledgeImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        label="12345 导出工作簿",
        help_text=f"表头：问题、答复、分类、来源（可选：事项编码、有效期至）；.xlsx，不超过 {IMPORT_MAX_BYTES // (1024 * 1024)} MB",
    )

    def validate_file(self, f):
        if f.size > IMPORT_MAX_BYTES:
            raise serializers.ValidationError(f"文件不能超过 {IMPORT_MAX_BYTES // (1024 * 1024)} MB")
        return f


class KnowledgeImportRowSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    outcome = serializers.ChoiceField(choices=["created", "updated", "unchanged", "skipped", "error"])
    message = serializers.CharField()
    article_id = serializers.IntegerField(allow_null=True)


class KnowledgeImportReportSerializer(serializers.Serializer):
    summary = serializers.CharField()
    rows = KnowledgeImportRowSerializer(many=True)


LIST_PARAMS = [
    OpenApiParameter("status", str, enum=list(Article.Status.values)),
    OpenApiParameter("kind", str, enum=list(Article.Kind.values)),
    OpenApiParameter("source", str, enum=list(Article.Source.values)),
    OpenApiParameter("q", str, description="标题或标签包含"),
]
ACTION_SCHEMA = {"request": KnowledgeActionSerializer, "responses": KnowledgeArticleSerializer}


@extend_schema_view(
    list=extend_schema(summary="知识（本辖区）", parameters=LIST_PARAMS),
    retrieve=extend_schema(summary="一条知识"),
    create=extend_schema(
        summary="新建知识（草稿）",
        request=KnowledgeArticleWriteSerializer,
        responses={201: KnowledgeArticleSerializer},
    ),
    partial_update=extend_schema(
        summary="修改草稿或已撤回的知识",
        request=KnowledgeArticleWriteSerializer,
        responses=KnowledgeArticleSerializer,
    ),
)
class ArticleViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = KnowledgeArticleSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Article.objects.none()
        p = self.request.query_params
        return selectors.article_list(
            user=self.request.user,
            status=p.get("status", ""),
            kind=p.get("kind", ""),
            source=p.get("source", ""),
            q=p.get("q", ""),
        ).prefetch_related("items")

    def get_object(self):
        return selectors.article_get(user=self.request.user, pk=self.kwargs["pk"])

    def create(self, request):
        s = KnowledgeArticleWriteSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        d = dict(s.validated_data)
        d.pop("version", None)
        return Response(
            KnowledgeArticleSerializer(services.article_create(by=request.user, data=d)).data, status=201
        )

    def partial_update(self, request, pk=None):
        article = self.get_object()
        s = KnowledgeArticleWriteSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        d = dict(s.validated_data)
        version = d.pop("version", None)
        saved = services.article_update(by=request.user, article=article, data=d, expected_version=version)
        return Response(KnowledgeArticleSerializer(saved).data)

    def _act(self, request, fn, **extra):
        article = self.get_object()
        s = KnowledgeActionSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        kwargs = {"by": request.user, "article": article, "expected_version": s.validated_data.get("version")}
        for name, source in extra.items():
            kwargs[name] = s.validated_data[source]
        return Response(KnowledgeArticleSerializer(fn(**kwargs)).data)

    @extend_schema(summary="提交审核", **ACTION_SCHEMA)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self._act(request, services.article_submit)

    @extend_schema(summary="退回修改", **ACTION_SCHEMA)
    @action(detail=True, methods=["post"], url_path="return")
    def return_(self, request, pk=None):
        return self._act(request, services.article_return, note="note")

    @extend_schema(summary="审核发布（撰写人以外的工作人员）", **ACTION_SCHEMA)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        return self._act(request, services.article_publish)

    @extend_schema(summary="撤回", **ACTION_SCHEMA)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        return self._act(request, services.article_withdraw, reason="note")

    @extend_schema(
        summary="导入 12345 导出的问答（.xlsx）：每行成为待审核的问答；返回逐行结果",
        request={"multipart/form-data": KnowledgeImportUploadSerializer},
        responses=KnowledgeImportReportSerializer,
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        parser_classes=[uploads.MultiPartParser, uploads.FormParser],
    )
    def import_(self, request):
        from bangban.accounts.permissions import require_cap
        from bangban.accounts.roles import Cap

        require_cap(request.user, Cap.KNOWLEDGE_MANAGE, services.MANAGE_MESSAGE)
        s = KnowledgeImportUploadSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        report = services.article_import(by=request.user, data=s.validated_data["file"].read())
        return Response(
            {
                "summary": report.summary,
                "rows": [
                    {"row": r.row, "outcome": r.outcome, "message": r.message, "article_id": r.article_id}
                    for r in report.rows
                ],
            }
        )


routes = [("knowledge/articles", ArticleViewSet, "knowledge-article")]
urls = [path("knowledge/search", search, name="knowledge-search")]
