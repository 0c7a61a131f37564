from django.db import models
from django.utils import timezone


class IdempotentRequest(models.Model):
    """An API write made with an `Idempotency-Key` header, and the answer it got (ops.idempotency).

    Written in the same transaction as the write itself: either both are committed or neither, so
    a retry after a lost answer finds the key and gets the first answer instead of a second case."""

    principal = models.CharField("请求方摘要", max_length=64)  # whose key: a hash of the credentials
    key = models.CharField("幂等键", max_length=64)
    method = models.CharField("请求方法", max_length=8)
    path = models.CharField("请求路径", max_length=255)
    body_hash = models.CharField("请求体摘要", max_length=64)
    status = models.PositiveSmallIntegerField("响应状态码")
    content_type = models.CharField("响应类型", max_length=100, blank=True)
    location = models.CharField("响应位置", max_length=255, blank=True)
    body = models.BinaryField("响应内容", null=True)  # None: too large to keep, not replayed
    created_at = models.DateTimeField("创建时间", default=timezone.now, db_index=True)

    class Meta:
        verbose_name = verbose_name_plural = "幂等请求"
        constraints = [models.UniqueConstraint(fields=["principal", "key"], name="ops_idempotency_unique")]

    def __str__(self):
        return f"{self.method} {self.path}（{self.key}）"
