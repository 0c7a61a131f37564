from celery import shared_task

from bangban.ops import idempotency


@shared_task(name="bangban.ops.tasks.purge_idempotency_keys")
def purge_idempotency_keys() -> int:
    """Daily: forget Idempotency-Key answers past their retention (idempotent)."""
    return idempotency.purge()
