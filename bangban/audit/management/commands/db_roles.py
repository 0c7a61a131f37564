from django.core.management.base import BaseCommand, CommandError

from bangban.audit.roles_sql import runtime_role_sql


class Command(BaseCommand):
    help = (
        "输出（或以表的属主身份执行）应用运行账号的 PostgreSQL 授权语句：运行账号不拥有任何表，"
        "审计表只能插入、查询并填写封存列"
    )

    def add_arguments(self, parser):
        parser.add_argument("--role", default="bangban_app", help="应用运行账号（默认 bangban_app）")
        parser.add_argument("--print-sql", action="store_true", help="只输出 SQL，不执行")
        parser.add_argument("--apply", action="store_true", help="以当前连接（表的属主）执行授权")

    def handle(self, *args, role, print_sql, apply, **options):
        from django.db import connection, transaction

        if connection.vendor != "postgresql":
            raise CommandError("数据库账号分离只适用于 PostgreSQL（嵌入式 SQLite 无账号）")
        statements = runtime_role_sql(role)
        if apply:
            with transaction.atomic(), connection.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)
            self.stdout.write(f"已为 {role} 授权 {len(statements)} 条")
        if print_sql or not apply:
            self.stdout.write("-- 以表的属主（执行 migrate 的账号）运行；每次 migrate 之后重新运行\n")
            for statement in statements:
                self.stdout.write(statement + ";")
