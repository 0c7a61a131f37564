from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "bangban.catalog"
    label = "catalog"
    verbose_name = "事项目录"

    def ready(self):
        from bangban.accounts.roles import Cap
        from bangban.audit.actions import register
        from bangban.catalog.dashboard import catalog_panels
        from bangban.core import dashboard, navigation

        navigation.register(navigation.NavEntry("事项目录", "catalog:item_list", Cap.CATALOG_VIEW, 300))
        dashboard.register(300, catalog_panels)
        register(
            {
                "catalog.item.create": "新建事项",
                "catalog.item.import": "导入事项",
                "catalog.version.update": "修改事项草稿",
                "catalog.version.publish": "发布事项版本",
                "catalog.version.close": "事项版本到期",
                "catalog.adjustment.create": "发起事项调整",
                "catalog.adjustment.update": "修改事项调整",
                "catalog.adjustment.submit": "提交事项调整",
                "catalog.adjustment.approve": "批准事项调整",
                "catalog.adjustment.return": "退回事项调整",
                "catalog.adjustment.withdraw": "撤回事项调整",
                "catalog.listing.set": "设置帮办代办清单",
                "catalog.listing.remove": "移出帮办代办清单",
                "catalog.bundle.create": "新建一件事",
                "catalog.bundle.update": "修改一件事",
                "catalog.import": "导入事项目录",
                "catalog.export": "导出事项目录",
            }
        )
