from django.apps import AppConfig


class BookingsConfig(AppConfig):
    name = "bangban.bookings"
    label = "bookings"
    verbose_name = "网上申请与预约"

    def ready(self):
        from bangban.audit.actions import register
        from bangban.core import navigation

        navigation.register(navigation.NavEntry("预约时段", "bookings:templates", None, 160))
        register(
            {
                "bookings.code.issue": "发送短信验证码",
                "bookings.request.create": "网上申请帮办代办",
                "bookings.booking.cancel": "取消预约",
                "bookings.booking.reschedule": "改约时段",
                "bookings.template.save": "保存预约时段模板",
                "bookings.template.deactivate": "停用预约时段模板",
                "bookings.signature.link": "发送签名链接",
                "bookings.signature.sign": "申请人签署委托书",
            }
        )
