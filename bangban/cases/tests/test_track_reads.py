"""The tracking page's hand-written statements (selectors.case_for_tracking, track_events,
track_items) give what the ORM gives: the same case fields and institution, a mark that moves with
the version and the timeline, the same events in the same order with their data decoded, the items
in the order they were added."""

import datetime

import pytest
from django.db import connection
from django.db.models import Max
from django.test.utils import CaptureQueriesContext

from bangban.cases import selectors, services
from bangban.cases.models import Case, CaseEvent
from bangban.cases.tests.test_track_page import _agency_case

pytestmark = pytest.mark.django_db


def _read_and_compare(case):
    reference = Case.objects.select_related("institution").get(pk=case.pk)
    with CaptureQueriesContext(connection) as captured:
        read = selectors.case_for_tracking(case.tracking_token)
        for name in selectors.TRACK_FIELDS:
            assert getattr(read, name) == getattr(reference, name), name
            assert type(getattr(read, name)) is type(getattr(reference, name)), name
        for name in selectors.TRACK_INSTITUTION_FIELDS:
            assert getattr(read.institution, name) == getattr(reference.institution, name), name
    assert len(captured) == 1  # nothing deferred is loaded afterwards
    last = CaseEvent.objects.filter(case=case).aggregate(m=Max("id"))["m"]
    assert read.track_mark == f"{reference.pk}:{reference.version}:{last}"

    orm = list(CaseEvent.objects.filter(case=case, type__in=selectors.TRACK_EVENT_TYPES).order_by("at", "id"))
    events = selectors.track_events(read)
    assert [(e.at, e.type, e.from_status, e.to_status) for e in events] == [
        (e.at, e.type, e.from_status, e.to_status) for e in orm
    ]
    assert selectors.track_items(read) == list(case.items.order_by("id").values_list("name", flat=True))
    return read, events


def test_the_hand_written_reads_are_the_orms(org, items):
    station, town = org.user("station_agent"), org.user("town_agent")
    case = _agency_case(station, items)
    read, _ = _read_and_compare(case)
    mark = read.track_mark

    transfer = services.transfer_send(case=case, by=station, to_institution=org.town, reason="转镇办理")
    case = services.transfer_accept(transfer=transfer, by=town)
    case = services.case_analyse(case=case, by=town, analysis="全程代办")
    today = datetime.date.today()
    end = today + datetime.timedelta(days=90)
    case = services.case_entrust(case=case, by=town, scope="whole", period_start=today, period_end=end)
    case = services.case_start(case=case, by=town)
    case = services.case_extend(case=case, by=org.user("town_admin"), days=3, reason="延期")
    case = services.case_suspend(case=case, by=town, reason="materials")
    read, events = _read_and_compare(case)
    assert read.track_mark != mark and read.institution.name == org.town.name
    # The JSON data of each event is decoded as the ORM decodes it: the facts drawn from it are there.
    assert [e.transferred_to for e in events if e.type == "transfer"][-1] == org.town.name
    deadline = next(e for e in events if e.type == "deadline")
    assert deadline.due_after and deadline.due_after != deadline.due_before
    assert next(e for e in events if e.to_status == "suspended").suspension_reason == "materials"


def test_an_unknown_token_reads_nothing(db):
    assert selectors.case_for_tracking("nonexistent") is None
    assert selectors.case_for_tracking("' OR 1=1 --") is None
