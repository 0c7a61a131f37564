from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from bangban.core.errors import ServiceError
from bangban.divisions.services import divisions_import_csv


class Command(BaseCommand):
    help = "导入行政区划 CSV（格式同 provinces/cities/areas/streets.csv）；多个文件按上级到下级的顺序给出"

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", type=Path)

    def handle(self, *args, files, **options):
        for path in files:
            if not path.exists():
                raise CommandError(f"文件不存在：{path}")
            try:
                result = divisions_import_csv(
                    by=None, text=path.read_text(encoding="utf-8-sig"), source_name=path.name
                )
            except ServiceError as exc:
                lines = [exc.message, *[e["message"] for e in exc.errors]]
                raise CommandError("\n".join(lines))
            self.stdout.write(
                f"{path.name}：新增 {result.created}，更新 {result.updated}，未变 {result.unchanged}"
            )
