import pytest

from bangban.cases.tests.conftest import make_item
from bangban.remote import services


@pytest.fixture
def item(org):
    return make_item(org, "个体工商户设立登记", promised=5)


@pytest.fixture
def window(org):
    """The town centre's window, answering its stations; the town agent on duty."""
    w = services.window_save(
        by=org.user("town_admin"), institution=org.town, name="远程帮办一号窗", tiers="3"
    )
    services.duty_start(by=org.user("town_agent"), window=w)
    return w


@pytest.fixture
def call(org, window, item):
    return services.call_create_station(by=org.user("station_agent"), caller_name="张三", item=item)


FORM = {
    "applicant_type": "person",
    "applicant_name": "张三",
    "id_number": "110101199003071233",
    "phone": "13912345678",
    "mode": "guide",
    "summary": "个体户开业",
}


@pytest.fixture(autouse=True)
def _watcher_lets_go():
    """After a test, the process's watcher (remote.live) gives its connection back once nobody waits."""
    yield
    import time

    from bangban.remote import live

    for _ in range(40):
        if not live.watcher_holds_connection():
            return
        time.sleep(0.05)
