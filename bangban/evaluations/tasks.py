"""Background jobs of 好差评 (idempotent)."""

from celery import shared_task


@shared_task
def remind_invitations() -> int:
    """智能邀评: one reminder for each SMS link unanswered after 3 working days."""
    from bangban.evaluations.services import invitations_remind_due

    return invitations_remind_due()
