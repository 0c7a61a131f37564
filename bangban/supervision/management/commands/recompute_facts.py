from django.core.management.base import BaseCommand

from bangban.supervision.services import facts_recompute


class Command(BaseCommand):
    help = "从原始记录重算质量指标的日计数（与各业务服务维护的计数使用同一分类规则）"

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=5000)

    def handle(self, *args, batch, **options):
        rows = facts_recompute(batch=batch)
        self.stdout.write(f"重算完成：{rows} 条计数")
