"""Background jobs of the catalog: the xlsx import with recorded progress."""

from __future__ import annotations

import time

from celery import shared_task
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


@shared_task
def run_catalog_import(job_id: int) -> str:
    """Run a pending import job once (idempotent: a job that already ran is left alone)."""
    from bangban.catalog.services import catalog_import_xlsx

    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.PENDING).update(
        status=ImportJob.Status.RUNNING, started_at=timezone.now(), phase="正在读取文件"
    )
    if not claimed:
        return "skipped"
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    try:
        result = catalog_import_xlsx(
            by=job.created_by,
            data=bytes(job.content),
            filename=job.filename,
            progress=_progress_recorder(job_id),
        )
    except (ServiceError, AccessRefused) as exc:
        ImportJob.objects.filter(pk=job_id).update(
            status=ImportJob.Status.FAILED,
            phase="未通过校验",
            errors=getattr(exc, "errors", [])
            or [{"field": getattr(exc, "field", None), "code": exc.code, "message": exc.message}],
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
    ImportJob.objects.filter(pk=job_id).update(
        status=ImportJob.Status.DONE,
        phase="已完成",
        done=result.created,
        total=result.created,
        created_count=result.created,
        message=f"已导入并发布 {result.created} 个事项（申请材料 {result.materials} 项，设定依据 {result.legal_bases} 条）",
        finished_at=timezone.now(),
    )
    return "done"
