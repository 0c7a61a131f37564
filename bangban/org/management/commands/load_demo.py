from django.core.management.base import BaseCommand

from bangban.catalog.demo import load_catalog_demo
from bangban.knowledge.demo import load_knowledge_demo
from bangban.org.demo import load_demo
from bangban.remote.demo import load_remote_demo


class Command(BaseCommand):
    help = "载入演示数据（苏州高新区的真实区划、三级服务机构、进驻部门和每个角色的演示账号）；可重复执行"

    def handle(self, *args, **options):
        banner = load_demo()
        load_catalog_demo()
        load_knowledge_demo()
        load_remote_demo()
        self.stdout.write(self.style.SUCCESS(f"演示数据已就绪。演示账号（密码均为 {banner[0][1]}）："))
        for username, _pw, name, roles, institution in banner:
            self.stdout.write(f"  {username:<20} {name}  {roles}  @ {institution}")
