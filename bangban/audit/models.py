from django.conf import settings
from django.db import models
from django.utils import timezone


class AppendOnlyError(Exception):
    pass


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("审计日志只能追加，不能修改")

    def delete(self):
        raise AppendOnlyError("审计日志只能追加，不能删除")

    # bulk_update goes through update(); refuse it explicitly as well.
    def bulk_update(self, objs, fields, batch_size=None):
        raise AppendOnlyError("审计日志只能追加，不能修改")


class AuditEvent(models.Model):
    """One thing that happened: who, from which institution, did what to which object, when, from where.

    Append-only: the model, its queryset, the admin and the API refuse changes, and database
    triggers refuse UPDATE, DELETE and TRUNCATE underneath them (migrations 0002, 0004) except the
    sealer's one UPDATE that fills the chain columns. Tamper-evident: each sealed row carries an
    HMAC-SM3 over its content and the previous row's hash (audit.chain).
    """

    at = models.DateTimeField("时间", default=timezone.now, db_index=False)  # audit_at_id_idx
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # audit_actor_at_idx leads with it
    )
    actor_name = models.CharField("操作人姓名", max_length=150, blank=True)  # audit_actor_name_at_idx
    institution = models.ForeignKey(
        "org.Institution",
        verbose_name="所属机构",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # audit_institution_at_idx leads with it
    )
    action = models.CharField("操作", max_length=64)  # audit_action_at_idx
    object_type = models.CharField("对象类型", max_length=64, blank=True)  # audit_object_idx
    object_id = models.CharField("对象编号", max_length=64, blank=True)
    object_repr = models.CharField("对象", max_length=255, blank=True)
    changes = models.JSONField("变更内容", default=dict, blank=True)
    note = models.TextField("说明", blank=True)
    ip = models.GenericIPAddressField("IP 地址", null=True, blank=True)
    user_agent = models.CharField("客户端", max_length=255, blank=True)
    path = models.CharField("请求路径", max_length=255, blank=True)
    # The tamper-evident chain (audit.chain): written once by the sealer, after the row commits.
    # The database lets an UPDATE through only when it fills these two columns on an unsealed row.
    seal_seq = models.BigIntegerField("封存序号", null=True, blank=True, editable=False)
    seal_hash = models.CharField("封存摘要", max_length=64, null=True, blank=True, editable=False)

    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = "审计记录"
        verbose_name_plural = "审计记录"
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
            # The audit search (audit.selectors.audit_list, audit.paging): each filter with the page
            # order (at, id), so a page is a short walk down one index. Without the id, rows sharing a
            # time (one transaction's bulk changes share its clock) are sorted on every page: 27,000 of
            # them cost the first page 20 ms. Prefix search on the recorded name needs the pattern
            # operator class on PostgreSQL (any collation); SQLite ignores operator classes.
            models.Index(fields=["at", "id"], name="audit_at_id_idx"),
            models.Index(fields=["institution", "at", "id"], name="audit_institution_at_idx"),
            models.Index(fields=["actor", "at", "id"], name="audit_actor_at_idx"),
            models.Index(fields=["action", "at", "id"], name="audit_action_at_idx"),
            models.Index(
                fields=["actor_name", "at", "id"],
                name="audit_actor_name_at_idx",
                opclasses=["varchar_pattern_ops", "timestamptz_ops", "int8_ops"],
            ),
            # Only rows waiting for the sealer: small, and the sealer finds them without a scan.
            models.Index(fields=["id"], name="audit_unsealed_idx", condition=models.Q(seal_seq__isnull=True)),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["seal_seq"], name="audit_seal_seq_uniq", condition=models.Q(seal_seq__isnull=False)
            )
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_name} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("审计日志只能追加，不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("审计日志只能追加，不能删除")

    @property
    def action_label(self) -> str:
        from bangban.audit.actions import action_label

        return action_label(self.action)


class AuditChainHead(models.Model):
    """The end of the audit chain: how many rows are sealed and the last row's hash.

    One row (id 1). The sealer locks it while it seals a batch; requests never touch it.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField("已封存条数", default=0)
    hash = models.CharField("链尾摘要", max_length=64)
    sealed_at = models.DateTimeField("最近封存时间", null=True, blank=True)

    class Meta:
        verbose_name = "审计链头"
        verbose_name_plural = "审计链头"

    def __str__(self):
        return f"{self.seq} {self.hash[:16]}"
