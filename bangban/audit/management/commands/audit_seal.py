from django.core.management.base import BaseCommand

from bangban.audit import chain


class Command(BaseCommand):
    help = "封存所有已提交但尚未封存的审计记录（按编号顺序分批，写入防篡改链）"

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=chain.SEAL_BATCH, help="每批封存条数")

    def handle(self, *args, batch, **options):
        sealed = chain.seal_pending(batch=batch)
        self.stdout.write(f"已封存 {sealed} 条审计记录")
