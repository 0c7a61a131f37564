"""Background sealing of the audit chain (beat, every BANGBAN_AUDIT_SEAL_SECONDS)."""

from celery import shared_task

from bangban.audit import chain


@shared_task(ignore_result=True, time_limit=60, soft_time_limit=50)
def seal() -> int:
    # Skips at once when another sealer holds the chain head: that one takes these rows too.
    return chain.seal_pending(wait=False)
