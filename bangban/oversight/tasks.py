from celery import shared_task


@shared_task
def escalate_overdue() -> int:
    """Escalate 督办单 past their reply limit (idempotent: each once per round)."""
    from bangban.oversight.services import order_escalate_overdue

    return order_escalate_overdue()
