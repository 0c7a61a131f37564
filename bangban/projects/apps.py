from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "bangban.projects"
    label = "projects"
    verbose_name = "重点项目"

    def ready(self):
        from django.db.models.signals import post_migrate

        from bangban.audit.actions import register
        from bangban.core import dashboard, navigation
        from bangban.projects.dashboard import project_sections
        from bangban.projects.seed import seed_after_migrate

        post_migrate.connect(seed_after_migrate, sender=self)

        navigation.register(navigation.NavEntry("重点项目", "projects:list", None, 450))
        navigation.register(navigation.NavEntry("部门协办", "projects:queue", None, 451))
        navigation.register(navigation.NavEntry("挂图作战", "projects:wall", None, 452))
        dashboard.register_section(450, project_sections)
        register(
            {
                "projects.project.create": "登记重点项目",
                "projects.project.case": "登记项目代办办件",
                "projects.item.start": "启动项目事项",
                "projects.item.suspend": "中止项目事项",
                "projects.item.resume": "续办项目事项",
                "projects.item.complete": "办结项目事项",
                "projects.item.assign": "调整项目事项",
                "projects.item.depends": "设置前置事项",
                "projects.item.link_case": "项目事项关联办件",
                "projects.request.send": "发出协办请求",
                "projects.request.answer": "答复协办请求",
                "projects.request.escalate": "协办请求超期升级",
                "projects.meeting.create": "登记协调会议",
                "projects.action.close": "会议决定事项办结",
                "projects.blocker.raise": "提出堵点",
                "projects.blocker.resolve": "解决堵点",
                "projects.blocker.escalate": "堵点超期升级",
            }
        )
