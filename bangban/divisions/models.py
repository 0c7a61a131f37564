from django.db import models

from bangban.divisions.codes import LEVEL_NAMES, full_code


class Division(models.Model):
    """An administrative division (GB/T 2260, extended to towns and villages)."""

    class Level(models.IntegerChoices):
        PROVINCE = 1, "省级"
        CITY = 2, "地级"
        COUNTY = 3, "县级"
        TOWN = 4, "乡级（镇、街道）"
        VILLAGE = 5, "村级（村、社区）"

    code = models.CharField("区划代码", max_length=12, primary_key=True)
    name = models.CharField("名称", max_length=100)
    level = models.PositiveSmallIntegerField("级别", choices=Level.choices, db_index=True)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级区划",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )

    class Meta:
        verbose_name = "行政区划"
        verbose_name_plural = "行政区划"
        ordering = ["code"]

    def __str__(self):
        return f"{self.name}（{self.code}）"

    @property
    def full_code(self) -> str:
        return full_code(self.code)

    @property
    def level_name(self) -> str:
        return LEVEL_NAMES[self.level]

    def is_within(self, other: "Division") -> bool:
        return self.code.startswith(other.code)
