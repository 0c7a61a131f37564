from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from bangban.ops.backup import BackupError, backup_create, default_directory, manifest_read


class Command(BaseCommand):
    help = "备份数据库（PostgreSQL 用 pg_dump，SQLite 用在线备份）与上传文件，附校验清单；可按份数保留"

    def add_arguments(self, parser):
        parser.add_argument(
            "--dir", type=Path, default=None, help="备份存放目录（默认 BANGBAN_BACKUP_DIR 或 var/backups）"
        )
        parser.add_argument("--keep", type=int, default=None, help="完成后只保留最新的若干份（至少 1）")

    def handle(self, *args, dir, keep, **options):
        try:
            path = backup_create(directory=dir or default_directory(), keep=keep)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        manifest = manifest_read(path)
        rows = sum(manifest["tables"].values())
        media = sum(1 for f in manifest["files"] if f["path"].startswith("media/"))
        size = sum(f["bytes"] for f in manifest["files"])
        head = manifest["audit_chain_head"] or {"seq": 0}
        self.stdout.write(f"备份完成：{path}")
        self.stdout.write(
            f"{len(manifest['tables'])} 张表，共 {rows} 行；上传文件 {media} 个；合计 {size / 1048576:.1f} MB；"
            f"审计链头第 {head['seq']} 条"
        )
