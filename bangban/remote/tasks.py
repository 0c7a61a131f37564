"""Background jobs (idempotent)."""

from celery import shared_task


@shared_task
def sweep_stale() -> dict:
    """Return to the queue (or close, with a record) calls whose agent or caller stopped polling."""
    from bangban.remote.services import sweep_stale as sweep

    return sweep()
