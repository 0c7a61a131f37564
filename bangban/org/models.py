from django.db import models
from django.utils import timezone


class Institution(models.Model):
    """A service institution in one of the three tiers (Suzhou §6, domain.md §2).

    `path` is the materialised chain of ids from the root ("/1/4/17/"): a user's data scope
    is every institution whose path starts with their own institution's path, which is
    one indexed prefix query on both databases.
    """

    class Tier(models.IntegerChoices):
        CENTER = 1, "政务服务中心"
        TOWN_CENTER = 2, "便民服务中心"
        STATION = 3, "便民服务站"

    name = models.CharField("机构名称", max_length=100)
    tier = models.PositiveSmallIntegerField("层级", choices=Tier.choices, db_index=True)
    division = models.ForeignKey(
        "divisions.Division", verbose_name="行政区划", on_delete=models.PROTECT, related_name="institutions"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name="上级机构",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField("机构路径", max_length=255, unique=True, editable=False)
    address = models.CharField("地址", max_length=200, blank=True)
    opening_hours = models.CharField("办公时间", max_length=200, blank=True)
    phone = models.CharField("联系电话", max_length=40, blank=True)
    is_active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "服务机构"
        verbose_name_plural = "服务机构"
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="org_institution_unique_name_in_parent"),
        ]

    def __str__(self):
        return self.name

    @property
    def depth(self) -> int:
        return self.path.count("/") - 1

    def contains(self, other: "Institution") -> bool:
        return other.path.startswith(self.path)


class Department(models.Model):
    """A government department stationed at a center (进驻部门), with its liaisons (Cangzhou §5)."""

    institution = models.ForeignKey(
        Institution, verbose_name="进驻机构", on_delete=models.PROTECT, related_name="departments"
    )
    name = models.CharField("部门名称", max_length=100)
    credit_code = models.CharField("统一社会信用代码", max_length=18, blank=True)
    windows = models.CharField("窗口号", max_length=100, blank=True)
    phone = models.CharField("联系电话", max_length=40, blank=True)
    is_active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "进驻部门"
        verbose_name_plural = "进驻部门"
        ordering = ["institution__path", "name"]
        constraints = [
            models.UniqueConstraint(fields=["institution", "name"], name="org_department_unique_name"),
        ]

    def __str__(self):
        return self.name
