"""整改时限 per institution: the nearest setting above a review's institution applies, 1–15 working
days, set by a supervisor within scope, audited; a new rectification takes it, older ones keep theirs."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from bangban.audit.models import AuditEvent
from bangban.core.errors import AccessRefused, NotInScope, ServiceError
from bangban.evaluations import services
from bangban.evaluations.models import RectifyLimit

SH = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db


def test_nearest_setting_applies_to_new_rectifications(org, settings):
    settings.BANGBAN_RECTIFY_WORKDAYS = 5
    sup, agent = org.user("supervisor"), org.user("station_agent")
    with time_machine.travel(dt.datetime(2026, 3, 2, 10, tzinfo=SH), tick=False):  # a Monday
        before = services.review_submit_at_window(by=agent, level=1).rectification
        services.rectify_limit_set(by=sup, institution=org.town, days=10)
        assert services.rectify_limit_days(org.station) == 10  # the town's, inherited
        assert services.rectify_limit_days(org.town2) == 5  # the default
        services.rectify_limit_set(by=sup, institution=org.station, days=3)
        rect = services.review_submit_at_window(by=agent, level=2).rectification
        assert (rect.limit_days, rect.due_date) == (3, dt.date(2026, 3, 5))
        before.refresh_from_db()
        assert before.limit_days == 5  # opened earlier: keeps its limit
        services.rectify_limit_set(by=sup, institution=org.station, days=None)  # back to the town's
        assert services.rectify_limit_days(org.station) == 10
    changes = [
        e.changes["days"]
        for e in AuditEvent.objects.filter(action="evaluations.rectify_limit.set").order_by("id")
    ]
    assert changes == [
        {"before": None, "after": 10},
        {"before": None, "after": 3},
        {"before": 3, "after": None},
    ]


def test_bounds_scope_and_capability(org):
    sup = org.user("supervisor")
    for days in (0, 16, "5", True):
        with pytest.raises(ServiceError, match="整改时限"):
            services.rectify_limit_set(by=sup, institution=org.town, days=days)
    with pytest.raises(NotInScope):
        services.rectify_limit_set(by=sup, institution=org.other_county, days=5)
    with pytest.raises(AccessRefused):
        services.rectify_limit_set(by=org.user("town_admin"), institution=org.town, days=5)
    assert not RectifyLimit.objects.exists()


def test_page(org, web):
    client = web(org.user("supervisor"))
    r = client.post("/evaluations/rectifications/limits/", {"institution": org.town.pk, "days": "20"})
    assert (
        r.status_code == 400
        and "整改时限（工作日）" in r.content.decode()
        and not RectifyLimit.objects.exists()
    )
    r = client.post("/evaluations/rectifications/limits/", {"institution": org.other_county.pk, "days": "8"})
    assert r.status_code == 400 and "不在您的数据范围内" in r.content.decode()
    r = client.post("/evaluations/rectifications/limits/", {"institution": org.town.pk, "days": "8"})
    assert r.status_code == 302 and RectifyLimit.objects.get().days == 8
    page = web(org.user("station_agent")).get("/evaluations/rectifications/limits/").content.decode()
    assert "8 个工作日" in page and "设置整改时限" not in page and org.town2.name not in page
