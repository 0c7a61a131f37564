"""Pre-aggregated indicator counters and the configurable targets.

`DailyFact` holds, per metric, day, institution, agent and item, how many records count in that
metric (facts.py says how a record contributes). Services keep it exact in their own transaction
(`facts.apply`); `bangban recompute_facts` rebuilds it from the raw rows with the same classifiers.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class DailyFact(models.Model):
    metric = models.CharField("指标计数", max_length=40)
    day = models.DateField("日期")
    # Plain integers, not foreign keys: 0 means none, and a counter never blocks deleting an agent.
    institution_id = models.PositiveIntegerField("机构")
    agent_id = models.PositiveIntegerField("帮办代办员", default=0)
    item_id = models.PositiveIntegerField("事项", default=0)
    n = models.IntegerField("数量", default=0)

    class Meta:
        verbose_name = "指标日计数"
        verbose_name_plural = "指标日计数"
        constraints = [
            # The upsert's conflict target. The indicator set reads RollupFact (below), not this
            # detail; this key's order serves "one subtree, a range of days" for any later reader.
            models.UniqueConstraint(
                fields=["institution_id", "day", "metric", "agent_id", "item_id"],
                name="supervision_dailyfact_key",
            )
        ]

    def __str__(self):
        return f"{self.metric} {self.day} @{self.institution_id}: {self.n}"


class Target(models.Model):
    """The target of one indicator, for every institution (institution empty) or for one subtree root."""

    indicator = models.CharField("指标", max_length=40)
    institution = models.ForeignKey(
        "org.Institution",
        verbose_name="适用机构",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    value = models.DecimalField("目标值（%）", max_digits=5, decimal_places=2)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField("更新时间", default=timezone.now)

    class Meta:
        verbose_name = "指标目标"
        verbose_name_plural = "指标目标"
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "institution"], name="supervision_target_unique_inst"
            ),
            models.UniqueConstraint(
                fields=["indicator"],
                condition=models.Q(institution__isnull=True),
                name="supervision_target_unique_default",
            ),
        ]

    def __str__(self):
        return f"{self.indicator}: {self.value}%"


class RollupFact(models.Model):
    """The daily counters summed per day and per calendar month, quarter and year, in three cuts: the
    institution's total, per agent, per item.

    What the indicator set reads: a period is its whole years, the whole quarters and months beside
    them and the days at either end (indicators.split_period; start = the block's first day), so a
    year for a whole county reads one row per counter, not twelve (a county's year by agent scanned
    61,000 month rows, 12-29 ms at 1M cases), and no period reads more than a few thousand rows
    whatever the number of cases. Kept in the same transaction as DailyFact by facts.add, rebuilt
    with it by the recomputation (tests compare both with the raw rows).
    """

    class Grain(models.TextChoices):
        DAY = "d", "日"
        MONTH = "m", "月"
        QUARTER = "q", "季度"
        YEAR = "y", "年"

    class Dim(models.TextChoices):
        TOTAL = "t", "机构合计"  # key 0
        AGENT = "a", "按帮办代办员"  # key = agent id (0: none)
        ITEM = "i", "按事项"  # key = item id (0: none)

    institution_id = models.PositiveIntegerField("机构")
    dim = models.CharField("分组", max_length=1, choices=Dim.choices)
    grain = models.CharField("粒度", max_length=1, choices=Grain.choices)
    start = models.DateField("起始日")
    metric = models.CharField("指标计数", max_length=40)
    key = models.PositiveIntegerField("分组值", default=0)
    n = models.IntegerField("数量", default=0)

    class Meta:
        verbose_name = "指标汇总计数"
        verbose_name_plural = "指标汇总计数"
        constraints = [
            # Also the read path: each of a period's ranges (its months, the days at either end) is one
            # query part with dim and grain equal, the subtree an IN list and start a range: one range
            # scan per institution of the subtree, reading its rows only. With start before
            # institution_id a scan read every institution's rows of the period and kept the subtree's,
            # so a town or a station cost as much as the whole county. Measured at 1M cases (EXPLAIN
            # ANALYZE of the load benchmark's 200 random requests, bench/indicators_floor.py): mean
            # 3.6 ms, max 111 ms with start first; mean 0.7 ms, max 13 ms with institution_id first;
            # the county alone alike either way (mean 2.4–2.5 ms).
            models.UniqueConstraint(
                fields=["dim", "grain", "institution_id", "start", "metric", "key"],
                name="supervision_rollup_key",
            )
        ]

    def __str__(self):
        return f"{self.metric} {self.dim}{self.key} {self.grain}{self.start} @{self.institution_id}: {self.n}"
