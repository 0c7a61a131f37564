"""Two people submitting the same step at once advance the complaint once (real threads, both databases)."""

import pytest

from bangban.complaints import services
from bangban.complaints.models import Complaint, ComplaintStep, Consultation, Status
from bangban.complaints.tests.conftest import register
from bangban.core.testing import make_org, run_together
from bangban.notifications.models import Message

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_step_submissions_do_not_double_advance():
    org = make_org()
    handler = org.user("coordinator")
    c = register(org)
    results = run_together(
        2, lambda i: services.complaint_accept(by=handler, complaint=Complaint.objects.get(pk=c.pk)).pk
    )
    assert sorted(r[0] for r in results) == ["error", "ok"], results
    assert [r[1] for r in results if r[0] == "error"][0] in ("invalid_transition", "stale")
    c.refresh_from_db()
    assert c.status == Status.INVESTIGATING and c.version == 1
    assert ComplaintStep.objects.filter(complaint=c, action="accept").count() == 1
    assert Message.objects.filter(object_id=str(c.pk), event=Message.Event.COMPLAINT_IN).count() == 1


def test_concurrent_answers_keep_one_first_answer():
    org = make_org()
    agent = org.user("town_agent")
    q = services.consultation_register(by=agent, channel="online", question="问", phone="13900001111")
    results = run_together(
        2,
        lambda i: services.consultation_answer(
            by=agent, consultation=Consultation.objects.get(pk=q.pk), answer=f"答复{i}"
        ).pk,
    )
    assert sorted(r[0] for r in results) == ["error", "ok"], results
    assert Message.objects.filter(object_id=str(q.pk), event=Message.Event.CONSULT_ANSWER).count() == 1


def test_concurrent_registrations_get_distinct_numbers():
    org = make_org()
    results = run_together(4, lambda i: register(org).number)
    assert all(r[0] == "ok" for r in results), results
    assert len({r[1] for r in results}) == 4
