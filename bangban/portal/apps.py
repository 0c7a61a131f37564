from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The citizen's front door: the public home, 留言咨询, 关怀版 and the accessibility statement."""

    name = "bangban.portal"
    label = "portal"
    verbose_name = "公众门户"
