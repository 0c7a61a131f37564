from celery import shared_task


@shared_task
def escalate_overdue() -> int:
    """Climb the ladder of liaison requests and blockers past their limit (idempotent)."""
    from bangban.projects.services import escalate_overdue as run

    return run()
