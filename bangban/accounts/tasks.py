from celery import shared_task
from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone


@shared_task
def clear_expired_sessions() -> int:
    """Delete expired database sessions (scheduled hourly by Celery beat). Idempotent."""
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted


@shared_task
def clear_stale_login_failures() -> int:
    """Forget failure counts untouched for a lockout period and lockouts that ran out (hourly).

    Keeps the table small although unknown login names are counted too. Idempotent."""
    from bangban.accounts.models import LoginFailure

    cutoff = timezone.now() - settings.BANGBAN_LOCKOUT_DURATION
    deleted, _ = (
        LoginFailure.objects.filter(updated_at__lt=cutoff).exclude(locked_until__gt=timezone.now()).delete()
    )
    return deleted
