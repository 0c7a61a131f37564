"""Indicator facts of reviews and rectifications (supervision.facts contract; domain.md §13).

The classifiers `facts_of_review` and `facts_of_rectification` are pure: they read only the rows'
own fields and the values passed in, never the database or the clock. Below them, the loaders the
services (`*_facts_now`) and the recomputation (`all_*_facts`) use to feed them.

- 满意率: `review.total` and `review.satisfied` (基本满意 and better) on the review's date; a review
  removed by an upheld 申诉 gives nothing. A 追评 is a review like any other.
- 差评整改率: `rectification.due` on the limit date; `rectification.on_time` (same day) when the
  rectification reached 已整改 (or, for an unfounded review, its explanation) on or before the limit.
- 实名差评回访率: `revisit.due` on the review's date for a real-name bad review; `revisit.done`
  (same day) when at least one 回访 is logged.
An upheld 申诉 removes the review from every figure, its rectification's too.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.db import models

from bangban.evaluations import rules, workflow
from bangban.supervision.facts import Fact

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local_date(moment: dt.datetime) -> dt.date:
    return moment.astimezone(SHANGHAI).date()


def facts_of_review(review, *, appeal_upheld: bool, item_id: int = 0) -> list[Fact]:
    """`review.total` (+ `review.satisfied` for levels 3–5) on the review's Shanghai date;
    none when an 申诉 against it was upheld. `item_id`: the case's first catalog Item, 0 if none."""
    if appeal_upheld:
        return []
    who = {
        "institution_id": review.institution_id,
        "agent_id": review.agent_id or 0,
        "item_id": item_id or 0,
    }
    day = local_date(review.created_at)
    facts = [Fact("review.total", day, **who)]
    if rules.is_satisfied(review.level):
        facts.append(Fact("review.satisfied", day, **who))
    return facts


def facts_of_rectification(
    rect, *, review, revisits: int, appeal_upheld: bool, item_id: int = 0
) -> list[Fact]:
    """The rectification's facts: `rectification.due` on its due date, `rectification.on_time` when
    rectified (已整改 or beyond) on or before it; for a real-name review `revisit.due` on the review's
    date and `revisit.done` when `revisits` (the number of logged 回访) is at least one.
    `review` is the rectification's review (its real_name and created_at are read)."""
    if appeal_upheld:
        return []
    who = {
        "institution_id": rect.institution_id,
        "agent_id": rect.agent_id or 0,
        "item_id": item_id or 0,
    }
    facts = [Fact("rectification.due", rect.due_date, **who)]
    done = rect.status in workflow.DONE_STATUSES and rect.rectified_on is not None
    if done and rect.rectified_on <= rect.due_date:
        facts.append(Fact("rectification.on_time", rect.due_date, **who))
    if review.real_name:
        day = local_date(review.created_at)
        facts.append(Fact("revisit.due", day, **who))
        if revisits > 0:
            facts.append(Fact("revisit.done", day, **who))
    return facts


# --- loading what the classifiers need (the services' hook and the recomputation) ---------------
# These read the database; the rules above do not.

REVIEW_METRICS = ("review.total", "review.satisfied")
RECTIFICATION_METRICS = ("rectification.due", "rectification.on_time", "revisit.due", "revisit.done")


def _upheld(review_id: int) -> bool:
    from bangban.evaluations.models import Appeal

    return Appeal.objects.filter(review_id=review_id, state=Appeal.State.UPHELD).exists()


def _item_of(review) -> int:
    """The first catalog Item of the review's case (read once per instance; 0 without a case)."""
    from bangban.evaluations.selectors import first_item_ids

    if not review.case_id:
        return 0
    item_id = review.__dict__.get("_first_item_id")
    if item_id is None:
        item_id = first_item_ids([review.case_id]).get(review.case_id, 0)
        review._first_item_id = item_id
    return item_id


def review_facts_now(review, *, appeal_upheld: bool | None = None) -> list[Fact]:
    """The review's facts as it is now (`appeal_upheld` None: read the 申诉's state)."""
    upheld = _upheld(review.pk) if appeal_upheld is None else appeal_upheld
    return facts_of_review(review, appeal_upheld=upheld, item_id=_item_of(review))


def rectification_facts_now(rect, *, appeal_upheld: bool | None = None) -> list[Fact]:
    """The rectification's facts as it is now: its review (`rect.review`), its logged 回访 counted."""
    review = rect.review
    upheld = _upheld(review.pk) if appeal_upheld is None else appeal_upheld
    return facts_of_rectification(
        rect, review=review, revisits=rect.revisits.count(), appeal_upheld=upheld, item_id=_item_of(review)
    )


def review_records(queryset, chunk: int = 5000):
    """(review, its facts) for every review of `queryset`, from the raw rows, in primary-key chunks
    (two queries a chunk): the drill-down's candidates (the recomputation reads plain rows: all_review_facts)."""
    from bangban.evaluations.models import Appeal
    from bangban.evaluations.selectors import first_item_ids
    from bangban.supervision.registry import pk_chunks

    upheld = models.Exists(Appeal.objects.filter(review=models.OuterRef("pk"), state=Appeal.State.UPHELD))
    for rows in pk_chunks(queryset.annotate(upheld=upheld), chunk):
        items = first_item_ids([r.case_id for r in rows])
        for r in rows:
            yield r, facts_of_review(r, appeal_upheld=r.upheld, item_id=items.get(r.case_id, 0))


def all_review_facts(chunk: int = 5000):
    """Every review's facts, from the raw rows, in primary-key chunks of plain rows (two queries a
    chunk; the classifier reads only these columns)."""
    from bangban.evaluations.models import Appeal, Review
    from bangban.evaluations.selectors import first_item_ids
    from bangban.supervision.registry import row_chunks

    upheld = models.Exists(Appeal.objects.filter(review=models.OuterRef("pk"), state=Appeal.State.UPHELD))
    cols = ("id", "level", "created_at", "institution_id", "agent_id", "case_id", "upheld")
    for rows in row_chunks(Review.objects.annotate(upheld=upheld), cols, chunk):
        items = first_item_ids([r.case_id for r in rows])
        for r in rows:
            yield facts_of_review(r, appeal_upheld=r.upheld, item_id=items.get(r.case_id, 0))


def rectification_records(queryset, chunk: int = 5000):
    """(rectification, its facts) for every rectification of `queryset`, in primary-key chunks."""
    from bangban.evaluations.models import Appeal
    from bangban.evaluations.selectors import first_item_ids
    from bangban.supervision.registry import pk_chunks

    qs = queryset.select_related("review").annotate(
        n_revisits=models.Count("revisits"),
        upheld=models.Exists(
            Appeal.objects.filter(review=models.OuterRef("review"), state=Appeal.State.UPHELD)
        ),
    )
    for rows in pk_chunks(qs, chunk):
        items = first_item_ids([r.review.case_id for r in rows])
        for r in rows:
            yield (
                r,
                facts_of_rectification(
                    r,
                    review=r.review,
                    revisits=r.n_revisits,
                    appeal_upheld=r.upheld,
                    item_id=items.get(r.review.case_id, 0),
                ),
            )


def all_rectification_facts(chunk: int = 5000):
    """Every rectification's facts, from the raw rows, in primary-key chunks of plain rows (their
    review's two columns the classifier reads passed as a small object)."""
    from types import SimpleNamespace

    from bangban.evaluations.models import Appeal, Rectification
    from bangban.evaluations.selectors import first_item_ids
    from bangban.supervision.registry import row_chunks

    qs = Rectification.objects.annotate(
        n_revisits=models.Count("revisits"),
        upheld=models.Exists(
            Appeal.objects.filter(review=models.OuterRef("review"), state=Appeal.State.UPHELD)
        ),
    )
    cols = (
        "id",
        "institution_id",
        "agent_id",
        "due_date",
        "status",
        "rectified_on",
        "review__real_name",
        "review__created_at",
        "review__case_id",
        "n_revisits",
        "upheld",
    )
    for rows in row_chunks(qs, cols, chunk):
        items = first_item_ids([r.review__case_id for r in rows])
        for r in rows:
            review = SimpleNamespace(real_name=r.review__real_name, created_at=r.review__created_at)
            yield facts_of_rectification(
                r,
                review=review,
                revisits=r.n_revisits,
                appeal_upheld=r.upheld,
                item_id=items.get(r.review__case_id, 0),
            )


# --- the drill-down (supervision.registry.DrillSpec) -----------------------------------------------


def drill_reviews(ids: list[int], start: dt.date, end: dt.date):
    """The reviews of `ids` made in start–end (their facts are dated by that day)."""
    from bangban.evaluations.models import Review
    from bangban.supervision.registry import day_bounds

    lo, hi = day_bounds(start, end)
    qs = Review.objects.filter(institution_id__in=ids, created_at__gte=lo, created_at__lt=hi)
    return review_records(qs.select_related("institution", "agent", "case"), 2000)


REVIEW_HEADERS = ("评价时间", "评价等级", "环节", "渠道", "实名", "办件", "评价内容", "承办")


def _who(obj) -> str:
    return obj.institution.name + (f" · {obj.agent.display_name}" if obj.agent_id else "")


def review_row(review) -> tuple[str, list[str]]:
    from django.urls import reverse
    from django.utils import timezone

    return reverse("evaluations:review", args=[review.pk]), [
        timezone.localtime(review.created_at).strftime("%Y-%m-%d %H:%M"),
        review.get_level_display() + ("（申诉成立，不计入）" if getattr(review, "upheld", False) else ""),
        review.get_stage_display(),
        review.get_channel_display(),
        "是" if review.real_name else "否",
        review.case.number if review.case_id else "—",
        review.comment or "—",
        _who(review),
    ]


def drill_rectifications(ids: list[int], start: dt.date, end: dt.date):
    """The rectifications of `ids` due in start–end or whose review was made in it (回访 facts are
    dated by the review)."""
    from bangban.evaluations.models import Rectification
    from bangban.supervision.registry import day_bounds

    lo, hi = day_bounds(start, end)
    qs = Rectification.objects.filter(
        models.Q(due_date__gte=start, due_date__lte=end)
        | models.Q(review__created_at__gte=lo, review__created_at__lt=hi),
        institution_id__in=ids,
    ).select_related("institution", "agent")
    return rectification_records(qs, 2000)


RECTIFICATION_HEADERS = (
    "差评时间",
    "评价等级",
    "实名",
    "整改期限",
    "状态",
    "整改完成日期",
    "回访次数",
    "承办",
)


def rectification_row(rect) -> tuple[str, list[str]]:
    from django.urls import reverse
    from django.utils import timezone

    review = rect.review
    return reverse("evaluations:rectification", args=[rect.pk]), [
        timezone.localtime(review.created_at).strftime("%Y-%m-%d %H:%M"),
        review.get_level_display(),
        "是" if review.real_name else "否",
        f"{rect.due_date:%Y-%m-%d}",
        rect.get_status_display(),
        f"{rect.rectified_on:%Y-%m-%d}" if rect.rectified_on else "—",
        str(getattr(rect, "n_revisits", "")),
        _who(rect),
    ]
