"""Background jobs of the catalog: the xlsx import with recorded progress."""

from __future__ import annotations

import time
from datetime import timedelta

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from bangban.catalog.models import ImportJob
from bangban.core.errors import AccessRefused, ServiceError

PHASES = {"validate": "正在校验", "write": "正在写入"}


def _progress_recorder(job_id: int):
    """A progress callback that writes the job row at most every 0.5 s (outside the import's transaction)."""
    last = [0.0]

    def record(phase: str, done: int, total: int) -> None:
        now = time.monotonic()
        if now - last[0] < 0.5 and done not in (0, total):
            return
        last[0] = now
        if transaction.get_connection().in_atomic_block:
            return  # inside the writing transaction: others could not see it anyway
        ImportJob.objects.filter(pk=job_id).update(phase=PHASES.get(phase, phase), done=done, total=total)

    return record


def _timed_out_message() -> str:
    minutes = max(1, settings.BANGBAN_IMPORT_SOFT_TIME_LIMIT // 60)
    return f"事项目录工作簿：导入超过 {minutes} 分钟的时限，已停止；未导入任何事项，请拆分文件后重新导入"


def _record_timeout(job_id: int) -> None:
    message = _timed_out_message()
    ImportJob.objects.filter(pk=job_id).update(
        status=ImportJob.Status.FAILED,
        phase="已超时",
        errors=[{"field": "file", "code": "time_limit", "message": message}],
        message=message,
        finished_at=timezone.now(),
    )


@shared_task(
    soft_time_limit=settings.BANGBAN_IMPORT_SOFT_TIME_LIMIT, time_limit=settings.BANGBAN_IMPORT_TIME_LIMIT
)
def run_catalog_import(job_id: int) -> str:
    """Run a pending import job once (idempotent: a job that already ran is left alone).

    At the soft time limit the import stops: its writing transaction rolls back and the job is
    recorded as failed with the reason. A worker killed at the hard limit leaves the job running;
    the task is delivered again (acks late) and then records that failure.
    """
    from bangban.catalog.services import catalog_import_xlsx

    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.PENDING).update(
        status=ImportJob.Status.RUNNING, started_at=timezone.now(), phase="正在读取文件"
    )
    if not claimed:
        stale = timezone.now() - timedelta(seconds=settings.BANGBAN_IMPORT_SOFT_TIME_LIMIT)
        if ImportJob.objects.filter(
            pk=job_id, status=ImportJob.Status.RUNNING, started_at__lt=stale
        ).exists():
            _record_timeout(job_id)
            return "failed"
        return "skipped"
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    try:
        result = catalog_import_xlsx(
            by=job.created_by,
            data=bytes(job.content),
            filename=job.filename,
            progress=_progress_recorder(job_id),
        )
    except SoftTimeLimitExceeded:
        _record_timeout(job_id)
        return "failed"
    except (ServiceError, AccessRefused) as exc:
        ImportJob.objects.filter(pk=job_id).update(
            status=ImportJob.Status.FAILED,
            phase="未通过校验",
            errors=getattr(exc, "errors", [])
            or [{"field": getattr(exc, "field", None), "code": exc.code, "message": exc.message}],
            rows=getattr(exc, "rows", []),
            message=exc.message,
            finished_at=timezone.now(),
        )
        return "failed"
    except Exception as exc:  # recorded for the page; the worker log has the traceback
        ImportJob.objects.filter(pk=job_id).update(
            status=ImportJob.Status.ERROR,
            phase="出错",
            message=f"导入出错：{exc}",
            finished_at=timezone.now(),
        )
        raise
    counts = f"（申请材料 {result.materials} 项，设定依据 {result.legal_bases} 条）"
    if result.adjustment is not None:
        message = (
            f"已导入 {result.created} 个事项草稿{counts}，尚未发布：已作为{result.adjustment}提交审核，"
            "须由另一位事项管理员批准后一并发布"
        )
    elif result.created:
        message = f"已导入并发布 {result.created} 个事项{counts}"
    else:
        message = "没有新增事项"
    if result.changed:
        message += f"；{result.changed} 个已有事项的要素有变化，已逐项提交要素变更申请，经审核批准后生效"
    if result.unchanged:
        message += f"；{result.unchanged} 个事项无变化"
    ImportJob.objects.filter(pk=job_id).update(
        status=ImportJob.Status.DONE,
        phase="待审核" if result.adjustment is not None or result.changed else "已完成",
        done=result.created,
        total=result.created,
        created_count=result.created,
        adjustment=result.adjustment,
        rows=result.rows,
        message=message,
        finished_at=timezone.now(),
    )
    return "done"
