"""bangban export_39046: GB/T 39046-2020 records as JSON-lines files, one per record kind.

    bangban export_39046 --out /srv/exchange/2026-11 --since 2026-11-01 --until 2026-11-30
    bangban export_39046 --out DIR --state state.json      # incremental: changes since the last run
    bangban export_39046 --docs docs/exchange.md           # regenerate the mapping table of the docs

Writes <out>/<kind>.jsonl (one record per line) and <out>/manifest.json (counts, cursors). With
--state, each kind continues after the cursor stored by the previous run and the new cursors are
written back once every file is complete. --as exports within a staff member's scope (audited as
them); otherwise the platform exports everything under --institution (audited as 命令行导出).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from bangban.accounts.models import User
from bangban.core.errors import AccessRefused, ServiceError
from bangban.exchange import mapping, services
from bangban.org.models import Institution
from bangban.org.selectors import institution_get


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"日期格式应为 YYYY-MM-DD：{text}") from None


class Command(BaseCommand):
    help = "按 GB/T 39046-2020 导出政务服务数据（每类一个 JSON Lines 文件）"

    def add_arguments(self, parser):
        parser.add_argument("--out", help="输出目录")
        parser.add_argument(
            "--kind", action="append", choices=list(mapping.BY_CODE), help="数据类别，可重复；默认全部"
        )
        parser.add_argument("--since", type=_date, help="变更时间起（含），YYYY-MM-DD")
        parser.add_argument("--until", type=_date, help="变更时间止（含），YYYY-MM-DD")
        parser.add_argument("--institution", type=int, help="机构 id：该机构及其下级机构")
        parser.add_argument("--as", dest="username", help="按该工作人员的数据范围导出（记入其审计日志）")
        parser.add_argument("--state", help="增量状态文件：读取上次的 cursor，完成后写回")
        parser.add_argument("--docs", help="只重新生成该 Markdown 文件中的字段映射表")

    def handle(self, *args, **opts):
        if opts["docs"]:
            self._docs(Path(opts["docs"]))
            return
        if not opts["out"]:
            raise CommandError("请用 --out 指定输出目录")
        by = None
        if opts["username"]:
            by = User.objects.filter(username=opts["username"], is_active=True).first()
            if by is None:
                raise CommandError(f"没有在职的工作人员 {opts['username']}")
        institution = None
        if opts["institution"] is not None:
            try:
                institution = (
                    institution_get(user=by, pk=opts["institution"])
                    if by is not None
                    else Institution.objects.get(pk=opts["institution"])
                )
            except (Institution.DoesNotExist, AccessRefused):
                raise CommandError(f"机构 {opts['institution']} 不存在或不在数据范围内") from None
        state_path = Path(opts["state"]) if opts["state"] else None
        state = json.loads(state_path.read_text()) if state_path and state_path.exists() else {}
        out = Path(opts["out"])
        out.mkdir(parents=True, exist_ok=True)
        manifest = {
            "standard": services.STANDARD,
            "generated_at": timezone.localtime().isoformat(),
            "since": opts["since"].isoformat() if opts["since"] else None,
            "until": opts["until"].isoformat() if opts["until"] else None,
            "institution": institution.pk if institution else None,
            "kinds": {},
        }
        cursors = dict(state)
        for kind in opts["kind"] or list(mapping.BY_CODE):
            path = out / f"{kind}.jsonl"
            with path.open("w", encoding="utf-8") as f:

                def sink(records, f=f):
                    f.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in records)

                try:
                    count, cursor = services.exchange_export_all(
                        by=by,
                        kind=kind,
                        sink=sink,
                        since=opts["since"],
                        until=opts["until"],
                        institution=institution,
                        cursor=services.parse_cursor(state.get(kind)),
                    )
                except (ServiceError, AccessRefused) as exc:
                    raise CommandError(str(getattr(exc, "message", exc))) from None
            cursors[kind] = cursor or state.get(kind)
            manifest["kinds"][kind] = {
                "name": mapping.BY_CODE[kind].name,
                "file": path.name,
                "count": count,
                "cursor": cursors[kind],
            }
            self.stdout.write(f"{mapping.BY_CODE[kind].name}（{kind}）：{count} 条 → {path}")
        (out / "manifest.json").write_text(
            json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8"
        )
        if state_path:
            state_path.write_text(json.dumps(cursors, indent=2), encoding="utf-8")

    def _docs(self, path: Path) -> None:
        text = path.read_text(encoding="utf-8")
        start, end = text.find(mapping.DOCS_BEGIN), text.find(mapping.DOCS_END)
        if start < 0 or end < 0:
            raise CommandError(f"{path} 中没有字段映射表的起止标记")
        path.write_text(
            text[:start] + mapping.render_docs() + text[end + len(mapping.DOCS_END) :], encoding="utf-8"
        )
        self.stdout.write(f"已更新 {path}")
