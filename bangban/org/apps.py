from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "bangban.org"
    label = "org"
    verbose_name = "组织机构"

    def ready(self):
        from bangban.accounts.roles import Cap
        from bangban.audit.actions import register
        from bangban.core import dashboard, navigation
        from bangban.org.dashboard import org_panels

        navigation.register(navigation.NavEntry("组织机构", "org:institution_list", Cap.ORG_VIEW, 800))
        dashboard.register(800, org_panels)

        register(
            {
                "org.institution.create": "新建机构",
                "org.institution.update": "修改机构",
                "org.department.create": "新建进驻部门",
                "org.department.update": "修改进驻部门",
                "divisions.import": "导入行政区划",
            }
        )
