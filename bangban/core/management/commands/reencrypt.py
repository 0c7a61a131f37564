"""`bangban reencrypt`: every encrypted value under the newest key, every lookup hash recomputed."""

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from bangban.audit.services import audit_record
from bangban.core import crypto
from bangban.core.reencrypt import ReencryptError, reencrypt_table


def encrypted_models():
    """Models declaring ENCRYPTED_FIELDS ({ciphertext field: lookup hash field}), in a stable order."""
    found = [m for m in apps.get_models() if getattr(m, "ENCRYPTED_FIELDS", None)]
    return sorted(found, key=lambda m: m._meta.label)


class Command(BaseCommand):
    help = (
        "把个人信息（证件号码、电话号码、短信号码）重新加密到最新密钥（BANGBAN_FIELD_KEYS 第一项），"
        "并按 BANGBAN_LOOKUP_KEY 重算检索摘要。按批提交，可随时中断后重新运行，已是最新密钥的数据会跳过。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500, help="每批（一个事务）处理的行数")
        parser.add_argument(
            "--max-batches", type=int, default=None, help="每张表最多处理的批数（分段运行；再次运行从头继续）"
        )

    def handle(self, *args, batch_size, max_batches, **options):
        if batch_size < 1 or (max_batches is not None and max_batches < 1):
            raise CommandError("--batch-size 和 --max-batches 须为正整数")
        key = crypto.keyring().current_id
        self.stdout.write(f"最新密钥编号：{key}")
        summary, finished = [], True
        for model in encrypted_models():
            try:
                counts = reencrypt_table(
                    model, model.ENCRYPTED_FIELDS, batch_size=batch_size, max_batches=max_batches
                )
            except ReencryptError as exc:
                raise CommandError(f"无法解密，已停止（之前的批次已提交）：{exc}") from exc
            finished &= counts.done
            line = (
                f"{model._meta.verbose_name}：检查 {counts.rows} 行，重新加密 {counts.reencrypted} 个值，"
                f"重算摘要 {counts.rehashed} 个{'' if counts.done else '（未完成，请再次运行）'}"
            )
            summary.append(line)
            self.stdout.write(line)
        with transaction.atomic():
            audit_record(
                action="core.reencrypt",
                note=f"最新密钥 {key}，{'已完成' if finished else '未完成'}：" + "；".join(summary),
                actor_name="系统（bangban reencrypt）",
            )
        self.stdout.write(self.style.SUCCESS("全部完成") if finished else "本次到此为止，再次运行即可继续")
