"""Background jobs (idempotent)."""

from celery import shared_task


@shared_task
def generate_slots() -> int:
    """Keep BANGBAN_SLOT_WEEKS of slots ahead for every active template (existing slots untouched)."""
    from bangban.bookings.services import slots_generate

    return slots_generate()


@shared_task
def purge_codes() -> int:
    """Delete SMS codes and signing links dead for more than a day (they prove nothing any more)."""
    from bangban.bookings.services import codes_purge

    return codes_purge()
