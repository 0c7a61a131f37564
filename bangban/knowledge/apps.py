from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class KnowledgeConfig(AppConfig):
    name = "bangban.knowledge"
    label = "knowledge"
    verbose_name = "知识库"

    def ready(self):
        from bangban.accounts.roles import Cap
        from bangban.audit.actions import register
        from bangban.catalog.models import ItemVersion
        from bangban.core import navigation, warmup
        from bangban.knowledge import selectors, text

        warmup.register(text.warm)  # app servers load the segmenter before serving, not on a first search

        # The search's kept markers (selectors._markers) follow this process's catalog changes at once.
        post_save.connect(selectors.forget_markers, sender=ItemVersion, dispatch_uid="knowledge-markers-save")
        post_delete.connect(
            selectors.forget_markers, sender=ItemVersion, dispatch_uid="knowledge-markers-delete"
        )

        navigation.register(navigation.NavEntry("知识库", "knowledge:manage_list", Cap.KNOWLEDGE_MANAGE, 350))
        register(
            {
                "knowledge.article.create": "新建知识",
                "knowledge.article.update": "修改知识",
                "knowledge.article.submit": "知识提交审核",
                "knowledge.article.return": "知识退回修改",
                "knowledge.article.publish": "知识审核发布",
                "knowledge.article.withdraw": "撤回知识",
                "knowledge.article.import": "导入知识（12345 格式）",
            }
        )
