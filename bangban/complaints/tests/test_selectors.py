"""Who sees which complaints and consultations."""

import datetime as dt

import pytest

from bangban.accounts.roles import Role
from bangban.complaints import selectors, services
from bangban.complaints.tests.conftest import at, register
from bangban.core.errors import NotInScope
from bangban.core.testing import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def handlers(org):
    return {
        "station": make_user("sc", org.station, [Role.COORDINATOR]),
        "station2": make_user("s2c", org.station2, [Role.COORDINATOR]),
        "town": make_user("tc", org.town, [Role.COORDINATOR]),
    }


def test_a_station_sees_only_its_own_complaints(org, handlers):
    mine = register(org, by="station_agent")
    theirs = register(org, by="station2_agent")
    assert list(selectors.complaint_list(user=handlers["station"])) == [mine]
    assert set(selectors.complaint_list(user=handlers["town"])) == {mine, theirs}
    assert set(selectors.complaint_list(user=org.user("supervisor"))) == {mine, theirs}
    assert not selectors.complaint_list(user=org.user("other_admin")).exists()
    with pytest.raises(NotInScope):
        selectors.complaint_get(user=handlers["station"], pk=theirs.pk)
    with pytest.raises(NotInScope):
        selectors.complaint_get(user=handlers["station"], pk="1 or 1=1")


def test_a_window_agent_sees_only_the_complaints_they_registered(org):
    mine = register(org, by="town_agent")
    register(org, by="coordinator", institution=org.town.pk)
    assert list(selectors.complaint_list(user=org.user("town_agent"))) == [mine]


def test_filters(org):
    with at(2025, 9, 30):
        old = register(org, channel="letter")
    with at(2025, 10, 20):
        new = register(org, channel="hotline", hotline_ticket="GD20251020001")
        user = org.user("coordinator")
        assert list(selectors.complaint_list(user=user, channel="letter")) == [old]
        assert list(selectors.complaint_list(user=user, late=True)) == [old]  # 受理 was due 2025-10-09
        assert list(selectors.complaint_list(user=user, date_from=dt.date(2025, 10, 1))) == [new]
        assert list(selectors.complaint_list(user=user, date_to=dt.date(2025, 9, 30))) == [old]
        assert list(selectors.complaint_list(user=user, institution_id=org.station.pk)) == []
        assert set(selectors.complaint_list(user=user, institution_id=org.county.pk)) == {old, new}  # subtree
        assert list(selectors.complaint_list(user=user, institution_id=99999999)) == []
        services.complaint_accept(by=user, complaint=old)
        assert list(selectors.complaint_list(user=user, late=True)) == []
        assert list(selectors.complaint_list(user=user, status="investigating")) == [old]


def test_consultations_unanswered_first_and_in_scope(org):
    agent = org.user("station_agent")
    with at(2025, 9, 29):
        waiting = services.consultation_register(by=agent, channel="online", question="在线问")
    with at(2025, 9, 30):
        answered = services.consultation_register(by=agent, channel="window", question="窗口问", answer="答")
        other = services.consultation_register(
            by=org.user("station2_agent"), channel="window", question="别处"
        )
        assert list(selectors.consultation_list(user=agent)) == [waiting, answered]
        assert list(selectors.consultation_list(user=agent, day=dt.date(2025, 9, 30))) == [answered]
        assert selectors.consultation_is_late(waiting) is False  # due 2025-09-30
    with at(2025, 10, 9):
        assert selectors.consultation_is_late(waiting) is True
    with pytest.raises(NotInScope):
        selectors.consultation_get(user=agent, pk=other.pk)
    assert not selectors.consultation_list(user=org.user("catalog_admin")).exists()
