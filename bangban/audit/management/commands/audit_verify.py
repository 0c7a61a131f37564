from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from bangban.audit import chain


def describe(report: chain.Report) -> list[str]:
    """The report as lines a person reads (the command and the page say the same)."""
    lines = [f"已校验 {report.checked} 条封存记录；链头：第 {report.head_seq} 条，摘要 {report.head_hash}"]
    brk = report.first_break
    if brk is None:
        lines.append("完整：所有已封存记录的摘要均校验通过")
    else:
        at = timezone.localtime(brk.at).strftime("%Y-%m-%d %H:%M:%S") if brk.at else "—"
        lines.append(
            f"第一处断链：记录编号 {brk.id or '—'}，时间 {at}，封存序号 {brk.seq}，检查项 {brk.check}：{brk.message}"
        )
    if report.unsealed:
        age = int(report.oldest_unsealed_age.total_seconds())
        lines.append(f"尚未封存 {report.unsealed} 条，最早的已等待 {age} 秒")
    else:
        lines.append("没有尚未封存的记录")
    return lines


class Command(BaseCommand):
    help = "校验审计日志防篡改链：报告第一处断链、尚未封存的记录及其等待时间"

    def handle(self, *args, **options):
        report = chain.verify()
        for line in describe(report):
            self.stdout.write(line)
        if not report.ok:
            raise CommandError("审计日志链不完整")
