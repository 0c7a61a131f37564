"""Background jobs (idempotent)."""

from celery import shared_task


@shared_task
def generate_slots() -> int:
    """Keep BANGBAN_SLOT_WEEKS of slots ahead for every active template (existing slots untouched)."""
    from bangban.bookings.services import slots_generate

    return slots_generate()
