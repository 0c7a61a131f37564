"""The knowledge base (seeds/001 §6.6): articles and question–answer pairs, searchable in Chinese."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from bangban.knowledge import workflow

TITLE_MAX = 200
BODY_MAX = 20_000
TAGS_MAX = 200


class Article(models.Model):
    class Kind(models.TextChoices):
        ARTICLE = "article", "文章"
        QA = "qa", "问答"

    class Source(models.TextChoices):
        OWN = "own", "自建"
        HOTLINE = "12345", "12345热线"
        POLICY = "policy", "政策文件"
        OTHER = "other", "其他"

    class Status(models.TextChoices):
        DRAFT = workflow.DRAFT, workflow.STATUS_LABELS[workflow.DRAFT]
        SUBMITTED = workflow.SUBMITTED, workflow.STATUS_LABELS[workflow.SUBMITTED]
        PUBLISHED = workflow.PUBLISHED, workflow.STATUS_LABELS[workflow.PUBLISHED]
        WITHDRAWN = workflow.WITHDRAWN, workflow.STATUS_LABELS[workflow.WITHDRAWN]

    kind = models.CharField("类型", max_length=10, choices=Kind.choices, default=Kind.QA)
    title = models.CharField("标题或问题", max_length=TITLE_MAX)
    body = models.TextField("正文或答复", max_length=BODY_MAX)
    items = models.ManyToManyField(
        "catalog.Item", verbose_name="相关事项", related_name="articles", blank=True
    )
    tags = models.CharField("分类标签", max_length=TAGS_MAX, blank=True, help_text="多个标签用逗号分隔")
    source = models.CharField("来源", max_length=10, choices=Source.choices, default=Source.OWN)
    valid_from = models.DateField("生效日期", null=True, blank=True)
    valid_to = models.DateField("有效期至", null=True, blank=True, help_text="最后有效的一天；空表示长期有效")
    status = models.CharField(
        "状态", max_length=10, choices=Status.choices, default=workflow.DRAFT, db_index=True
    )
    institution = models.ForeignKey(
        "org.Institution", verbose_name="所属机构", on_delete=models.PROTECT, related_name="+"
    )
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="撰写人", on_delete=models.PROTECT, related_name="+"
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审核人",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    # Imported rows: a digest of (source, question) so a re-import finds its article again.
    import_key = models.CharField("导入键", max_length=64, blank=True, editable=False)
    # Segmented words of the title and of the body, space-joined (text.index_tokens); `tokens` is both,
    # the column the full-text indexes cover (FTS5 on SQLite, GIN on PostgreSQL).
    title_tokens = models.TextField("标题分词", blank=True, editable=False)
    body_tokens = models.TextField("正文分词", blank=True, editable=False)
    tokens = models.TextField("检索词", blank=True, editable=False)
    version = models.PositiveIntegerField("版本", default=1)
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "知识"
        verbose_name_plural = "知识库"
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "import_key"],
                condition=~models.Q(import_key=""),
                name="knowledge_article_import_once",
            ),
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True)
                | models.Q(valid_from__isnull=True)
                | models.Q(valid_to__gte=models.F("valid_from")),
                name="knowledge_article_valid_range",
            ),
        ]
        indexes = [models.Index(fields=["institution", "status"], name="knowledge_inst_status")]

    def __str__(self):
        return self.title

    @property
    def tag_list(self) -> list[str]:
        return [t for t in (x.strip() for x in self.tags.replace("，", ",").split(",")) if t]


class Term(models.Model):
    """How many published articles hold a word (BM25's document frequency). Kept by the services with
    relative UPDATEs, so concurrent publications add up instead of overwriting each other."""

    term = models.CharField("词", max_length=100, unique=True)
    df = models.IntegerField("含该词的文章数", default=0)

    class Meta:
        verbose_name = "检索词频"

    def __str__(self):
        return f"{self.term}: {self.df}"


class Corpus(models.Model):
    """One row (pk=1): the number of published articles and of their tokens (BM25's average length)."""

    documents = models.IntegerField("文章数", default=0)
    tokens = models.BigIntegerField("词数", default=0)
    # A new random value at every change of the statistics (publication, withdrawal, rebuild): what
    # the search's caches are keyed by, so a change is seen at once by every process. Random, not a
    # counter, so a rolled-back change never brings back a value another corpus was cached under.
    generation = models.CharField("统计版本", max_length=32, blank=True, default="")

    class Meta:
        verbose_name = "检索语料统计"

    def __str__(self):
        return f"{self.documents} 篇 / {self.tokens} 词"
