"""Escalate 督办单 past their reply limit now (what beat's oversight-escalate task does every 15
minutes; for installations without Celery beat, e.g. from cron). Idempotent."""

from django.core.management.base import BaseCommand

from bangban.oversight.services import order_escalate_overdue


class Command(BaseCommand):
    help = "督办单逾期升级（幂等，可由 cron 调用）"

    def handle(self, *args, **options):
        marked = order_escalate_overdue()
        self.stdout.write(f"已升级 {marked} 张逾期督办单")
