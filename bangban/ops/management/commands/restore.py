from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from bangban.ops.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = "把一份备份恢复到新建的空数据库与空的上传目录，然后核对各表行数与清单一致并校验审计链"

    def add_arguments(self, parser):
        parser.add_argument("source", type=Path, help="备份目录（含 manifest.json）")

    def handle(self, *args, source, **options):
        try:
            report = backup_restore(source=source)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"已恢复 {report.tables} 张表，共 {report.rows} 行；上传文件 {report.files} 个")
        if report.mismatches:
            for line in report.mismatches[:50]:
                self.stdout.write(f"不一致：{line}")
        else:
            self.stdout.write("各表行数、审计链头与上传文件均与备份清单一致")
        self.stdout.write(
            f"审计链：已校验 {report.chain_checked} 条，{'完整' if report.chain_ok else '断链：' + report.chain_message}"
        )
        if report.pending_migrations:
            self.stdout.write(
                f"备份之后程序新增了 {len(report.pending_migrations)} 个迁移：请运行 bangban migrate"
            )
        if not report.ok:
            raise CommandError("恢复后的核对未通过")
