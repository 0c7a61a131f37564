from django.apps import AppConfig


class RemoteConfig(AppConfig):
    name = "bangban.remote"
    label = "remote"
    verbose_name = "远程帮办"

    def ready(self):
        from bangban.audit.actions import register
        from bangban.core import navigation
        from bangban.remote import indicators
        from bangban.supervision.registry import DrillSpec, RecordKind
        from bangban.supervision.registry import register as register_kind

        # 远程帮办及时响应率 (supervision.indicators): the calls' facts and their drill-down.
        register_kind(
            RecordKind(
                "remote_call",
                "远程帮办求助",
                indicators.METRICS,
                indicators.all_call_facts,
                DrillSpec("次", indicators.HEADERS, indicators.drill_calls, indicators.call_row),
            )
        )

        navigation.register(navigation.NavEntry("远程帮办", "remote:duty", None, 170))
        navigation.register(navigation.NavEntry("云窗口", "remote:windows", None, 171))
        register(
            {
                "remote.window.save": "保存云窗口",
                "remote.duty.start": "坐席上岗",
                "remote.duty.stop": "坐席离岗",
                "remote.call.create": "发起远程求助",
                "remote.call.answer": "接听远程求助",
                "remote.call.hangup": "求助方挂断",
                "remote.call.return": "坐席断线，求助退回队列",
                "remote.call.end": "结束远程帮办会话",
                "remote.call.accept": "远程受理办件",
            }
        )
