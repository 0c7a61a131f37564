import time

from django.core.management.base import BaseCommand

from bangban.supervision.services import APPLY_ROWS, facts_recompute


class Command(BaseCommand):
    help = (
        "从原始记录重算质量指标的计数（与各业务服务维护的计数使用同一分类规则）。"
        "逐类读取同一时刻的原始记录与计数，只补上差额，不阻塞业务写入，可在运行时执行。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch", type=int, default=APPLY_ROWS, help="每个事务修正的计数条数（默认 %(default)s）"
        )
        parser.add_argument("--quiet", action="store_true", help="不输出进度")

    def handle(self, *args, batch, quiet, **options):
        started = time.monotonic()

        def progress(message):
            self.stdout.write(f"[{time.monotonic() - started:6.0f} 秒] {message}")
            self.stdout.flush()

        rows = facts_recompute(batch=batch, progress=None if quiet else progress)
        self.stdout.write(f"重算完成：{rows} 条计数（{time.monotonic() - started:.0f} 秒）")
