from django.core.management.base import BaseCommand

from bangban.notifications.tasks import send_pending


class Command(BaseCommand):
    help = "重新发送滞留的短信（代替 celery beat，供无 Redis 的单机部署用 cron 调用）"

    def add_arguments(self, parser):
        parser.add_argument("--older-than", type=int, default=600, help="只处理滞留超过该秒数的短信")

    def handle(self, *args, older_than, **options):
        count = send_pending(older_than_seconds=older_than)
        self.stdout.write(f"已重新排队 {count} 条短信")
