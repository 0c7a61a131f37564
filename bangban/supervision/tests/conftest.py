import pytest

from bangban.cases.tests.conftest import items  # noqa: F401  (the cases tests' catalog items)


@pytest.fixture(autouse=True)
def _case_kind_registered():
    # SupervisionConfig.ready registers the case kind; the tests rely on it.
    from bangban.supervision.registry import KINDS

    assert "case" in KINDS


@pytest.fixture
def figures_data(org, items):  # noqa: F811  (the fixture imported above)
    """Cases in March 2026 across the tree, through the services:
    town: 2 completed on time (one with a log), 1 completed late, 1 terminated, 1 online request
    answered late; station: 1 completed on time; town2: 1 open window request."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    import time_machine

    from bangban.cases import services

    sh = ZoneInfo("Asia/Shanghai")

    def at(d, hour=10):
        return time_machine.travel(dt.datetime(2026, 3, d, hour, tzinfo=sh), tick=False)

    person = {
        "applicant_type": "person",
        "applicant_name": "李四",
        "id_number": "11010519491231002X",
        "phone": "13812345678",
    }

    def new(user, channel="window", accept=True):
        return services.case_create(
            by=org.user(user), kind="help", mode="assist", items=[items["license"]],
            accept_now=accept, channel=channel, **person,
        )  # fmt: skip

    with at(2):
        town = [new("town_agent") for _ in range(4)]
        online = new("town_agent", channel="online", accept=False)
        station = new("station_agent")
        new("town2_agent")
        for c in [*town, station]:
            services.case_start(case=c, by=c.agent)
    with at(4):
        services.log_add(case=town[0], by=org.user("town_agent"), text="电话核对材料")
        services.case_complete(case=town[0], by=org.user("town_agent"), result="已办结")
        services.case_complete(case=town[1], by=org.user("town_agent"), result="已办结")
        services.case_complete(case=station, by=org.user("station_agent"), result="已办结")
        services.case_terminate(case=town[3], by=org.user("town_agent"), reason="申请人撤回")
        services.case_apply(case=online, by=org.user("town_agent"))  # two working days after: late
    with at(20):
        services.case_complete(case=town[2], by=org.user("town_agent"), result="已办结")
    return {"town": town, "online": online, "station": station}
