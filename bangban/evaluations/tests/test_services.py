"""好差评 through the services: the channels, the one-time link, 追评, rectification and 申诉."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction

from bangban.audit.models import AuditEvent
from bangban.core.errors import AccessRefused, NotInScope, ServiceError
from bangban.evaluations import services
from bangban.evaluations.models import (
    Appeal,
    Rectification,
    RectStatus,
    Review,
    ReviewChannel,
    ReviewInvitation,
    Stage,
)
from bangban.notifications.models import Message

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def token_of(invitation):
    from bangban.core import crypto

    return crypto.decrypt(invitation.token_encrypted)


def completed_with_link(new_case):
    case = new_case(complete=True)
    invitation = ReviewInvitation.objects.get(case=case)
    return case, invitation, token_of(invitation)


def test_completion_sends_a_one_time_link(new_case):
    case, invitation, token = completed_with_link(new_case)
    sms = Message.objects.get(event=Message.Event.REVIEW_INVITE)
    assert f"/r/{token}/" in sms.text and case.number in sms.text
    assert invitation.token_hash == services.token_hash(token) and token not in invitation.token_hash
    assert AuditEvent.objects.filter(action="evaluations.invitation.send").count() == 1


def test_landline_gets_no_invitation(new_case):
    case = new_case(complete=True, phone="0512-68881234")
    assert not ReviewInvitation.objects.filter(case=case).exists()


def test_link_takes_one_review_only(new_case):
    case, invitation, token = completed_with_link(new_case)
    review = services.review_submit_by_token(token=token, level=2, comment="等了很久")
    assert review.real_name and review.channel == ReviewChannel.SMS and review.stage == Stage.COMPLETE
    assert review.case == case and review.institution == case.institution and review.agent == case.agent
    with pytest.raises(ServiceError) as e:
        services.review_submit_by_token(token=token, level=5)
    assert e.value.code == "link_used"
    assert Review.objects.count() == 1
    invitation.refresh_from_db()
    assert invitation.used_at is not None


def test_bad_input_does_not_spend_the_link(new_case):
    _, invitation, token = completed_with_link(new_case)
    for bad in (
        {"level": 0},
        {"level": 6},
        {"level": "5"},
        {"level": 3, "aspects": ["x"]},
        {"level": 3, "comment": "长" * 501},
    ):
        with pytest.raises(ServiceError):
            services.review_submit_by_token(token=token, **bad)
    invitation.refresh_from_db()
    assert invitation.used_at is None and Review.objects.count() == 0


def test_unknown_and_expired_links(new_case):
    _, invitation, token = completed_with_link(new_case)
    with pytest.raises(ServiceError) as e:
        services.review_submit_by_token(token="nope", level=5)
    assert e.value.code == "invalid_link"
    with time_machine.travel(invitation.expires_at + datetime.timedelta(seconds=1)):
        with pytest.raises(ServiceError) as e:
            services.review_submit_by_token(token=token, level=5)
    assert e.value.code == "link_expired"


def test_a_review_cannot_be_altered(new_case):
    _, _, token = completed_with_link(new_case)
    review = services.review_submit_by_token(token=token, level=1)
    with pytest.raises(ValidationError):
        review.level = 5
        review.save()
    # Below the model: the database refuses the UPDATE itself.
    with pytest.raises(DatabaseError):
        with transaction.atomic():
            Review.objects.filter(pk=review.pk).update(level=5)
    with pytest.raises(DatabaseError):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("UPDATE evaluations_review SET comment = 'x' WHERE id = %s", [review.pk])
    review.refresh_from_db()
    assert review.level == 1


def test_window_review_and_follow_up(org, new_case):
    case = new_case()
    agent = org.user("station_agent")
    first = services.review_submit_at_window(by=agent, case=case, level=4, aspects=["attitude"])
    assert first.stage == Stage.ACCEPT and first.channel == ReviewChannel.DEVICE and first.real_name
    assert first.aspects == "attitude"
    second = services.review_submit_at_window(by=agent, case=case, level=3)
    assert second.follow_up_of == first
    with pytest.raises(ServiceError) as e:
        services.review_submit_at_window(by=agent, case=case, level=3)
    assert e.value.code == "already_reviewed"


def test_window_encounter_without_case(org):
    agent = org.user("station_agent")
    review = services.review_submit_at_window(by=agent, level=5)
    assert review.case is None and review.institution == org.station and not review.real_name
    assert review.stage == Stage.ENCOUNTER and review.agent == agent


def test_window_refuses_out_of_scope_and_wrong_role(org, new_case):
    case = new_case()
    with pytest.raises(NotInScope):
        services.review_submit_at_window(by=org.user("station2_agent"), case=case, level=5)
    with pytest.raises(AccessRefused):
        services.review_submit_at_window(by=org.user("catalog_admin"), level=5)
    assert Review.objects.count() == 0


def test_qr_review_is_anonymous_but_case_tied(new_case):
    case = new_case(complete=True)
    review = services.review_submit_by_tracking(tracking_token=case.tracking_token, level=5)
    assert not review.real_name and review.channel == ReviewChannel.QR and review.case == case
    follow = services.review_submit_by_tracking(tracking_token=case.tracking_token, level=4)
    assert follow.follow_up_of == review
    with pytest.raises(ServiceError):
        services.review_submit_by_tracking(tracking_token=case.tracking_token, level=4)


def test_qr_refuses_unaccepted_case(org, items):
    from bangban.cases import services as cs

    from .conftest import person

    case = cs.case_create(
        by=org.user("station_agent"), kind="help", mode="assist", items=[items["license"]], **person()
    )
    with pytest.raises(ServiceError) as e:
        services.review_submit_by_tracking(tracking_token=case.tracking_token, level=5)
    assert e.value.code == "not_reviewable"


def test_staff_entry_records_who(org, new_case):
    case = new_case()
    agent = org.user("station_agent")
    review = services.review_enter(
        by=agent, channel=ReviewChannel.STAFF_PHONE, case=case, level=1, comment="电话反映"
    )
    assert review.entered_by == agent and review.channel == "phone"
    assert AuditEvent.objects.filter(action="evaluations.review.enter", actor=agent).exists()
    with pytest.raises(ServiceError):
        services.review_enter(by=agent, channel=ReviewChannel.SMS, level=3)


def test_bad_review_opens_rectification_with_working_day_limit(new_case):
    # Thursday 2025-09-25 + 5 working days: Sep 26, Sun Sep 28 (an adjusted working day), 29, 30,
    # then the Oct 1–8 holiday, Oct 9.
    with time_machine.travel(datetime.datetime(2025, 9, 25, 10, tzinfo=SH), tick=False):
        _, _, token = completed_with_link(new_case)
        review = services.review_submit_by_token(token=token, level=1)
    rect = Rectification.objects.get(review=review)
    assert rect.status == RectStatus.PENDING and rect.limit_days == 5
    assert rect.due_date == datetime.date(2025, 10, 9)
    assert rect.institution == review.institution


def test_good_review_opens_no_rectification(new_case):
    _, _, token = completed_with_link(new_case)
    services.review_submit_by_token(token=token, level=3)
    assert not Rectification.objects.exists()


def test_limit_setting(settings, new_case):
    settings.BANGBAN_RECTIFY_WORKDAYS = 15
    _, _, token = completed_with_link(new_case)
    review = services.review_submit_by_token(token=token, level=2)
    assert review.rectification.limit_days == 15


def bad_review(new_case, *, real_name=True):
    if real_name:
        _, _, token = completed_with_link(new_case)
        return services.review_submit_by_token(token=token, level=2, comment="态度差")
    case = new_case(complete=True)
    return services.review_submit_by_tracking(tracking_token=case.tracking_token, level=1)


def test_real_name_cannot_leave_pending_without_revisit(org, new_case):
    rect = bad_review(new_case).rectification
    agent = org.user("station_agent")
    with pytest.raises(ServiceError) as e:
        services.rectification_verify(rect=rect, by=agent, finding="true", note="属实")
    assert e.value.code == "revisit_required"
    with pytest.raises(ServiceError):
        services.rectification_verify(rect=rect, by=agent, finding="unfounded", note="不属实")
    rect.refresh_from_db()
    assert rect.status == RectStatus.PENDING


def test_anonymous_needs_no_revisit(org, new_case):
    rect = bad_review(new_case, real_name=False).rectification
    rect = services.rectification_verify(
        rect=rect, by=org.user("station_agent"), finding="partly", note="部分属实"
    )
    assert rect.status == RectStatus.RECTIFYING


def run_loop(org, rect):
    agent, supervisor = org.user("station_agent"), org.user("supervisor")
    services.rectification_revisit(
        rect=rect, by=agent, called_at=datetime.datetime.now(tz=SH), reached=True, said="等候时间长"
    )
    rect = services.rectification_verify(rect=rect, by=agent, finding="true", note="高峰时段排队久")
    rect = services.rectification_rectify(rect=rect, by=agent, action_taken="增设高峰时段窗口")
    rect = services.rectification_feedback(rect=rect, by=agent, text="已增设窗口")
    return services.rectification_approve(rect=rect, by=supervisor)


def test_full_loop_with_feedback_sms(org, new_case):
    rect = run_loop(org, bad_review(new_case).rectification)
    assert rect.status == RectStatus.CLOSED and rect.rectified_on is not None and rect.closed_at
    sms = Message.objects.get(event=Message.Event.RECTIFIED)
    assert "已增设窗口" in sms.text
    assert [s.action for s in rect.steps.all()] == [
        "open",
        "revisit",
        "verify",
        "rectify",
        "feedback",
        "approve",
    ]
    actions = set(
        AuditEvent.objects.filter(action__startswith="evaluations.rectification").values_list(
            "action", flat=True
        )
    )
    assert actions == {
        f"evaluations.rectification.{a}" for a in ("revisit", "verify", "rectify", "feedback", "approve")
    }


def test_anonymous_feedback_sends_no_sms(org, new_case):
    rect = bad_review(new_case, real_name=False).rectification
    agent = org.user("station_agent")
    rect = services.rectification_verify(
        rect=rect, by=agent, finding="unfounded", note="当日系统故障，非窗口原因"
    )
    assert rect.status == RectStatus.RECTIFIED and rect.rectified_on
    services.rectification_feedback(rect=rect, by=agent, text="已说明情况")
    assert not Message.objects.filter(event=Message.Event.RECTIFIED).exists()


def test_send_back_returns_to_rectifying(org, new_case):
    rect = bad_review(new_case, real_name=False).rectification
    agent, supervisor = org.user("station_agent"), org.user("supervisor")
    rect = services.rectification_verify(rect=rect, by=agent, finding="true", note="属实")
    rect = services.rectification_rectify(rect=rect, by=agent, action_taken="批评教育")
    rect = services.rectification_feedback(rect=rect, by=agent, text="已整改")
    with pytest.raises(AccessRefused):
        services.rectification_approve(rect=rect, by=agent)
    with pytest.raises(ServiceError):
        services.rectification_send_back(rect=rect, by=supervisor, reason="")
    rect = services.rectification_send_back(rect=rect, by=supervisor, reason="措施不具体")
    assert rect.status == RectStatus.RECTIFYING and rect.rectified_on is None


def test_steps_out_of_order_and_scope(org, new_case):
    rect = bad_review(new_case, real_name=False).rectification
    with pytest.raises(ServiceError):
        services.rectification_rectify(rect=rect, by=org.user("station_agent"), action_taken="x")
    with pytest.raises(NotInScope):
        services.rectification_verify(rect=rect, by=org.user("station2_agent"), finding="true", note="x")
    with pytest.raises(ServiceError) as e:
        services.rectification_verify(rect=rect, by=org.user("station_agent"), finding="maybe", note="x")
    assert e.value.field == "finding"
    with pytest.raises(ServiceError) as e:
        services.rectification_verify(
            rect=rect, by=org.user("station_agent"), finding="true", note="x", expected_version=99
        )
    assert e.value.code == "stale"


def test_appeal_upheld_and_rejected(org, new_case):
    review = bad_review(new_case)
    agent, supervisor = org.user("station_agent"), org.user("supervisor")
    appeal = services.appeal_file(review=review, by=agent, reason="评价人误评，本人并未办理该业务")
    with pytest.raises(ServiceError):
        services.appeal_file(review=review, by=agent, reason="再次")
    with pytest.raises(AccessRefused):
        services.appeal_decide(appeal=appeal, by=agent, upheld=True, reason="x")
    appeal = services.appeal_decide(appeal=appeal, by=supervisor, upheld=True, reason="核实为误评")
    assert appeal.state == Appeal.State.UPHELD and appeal.decision_reason == "核实为误评"
    with pytest.raises(ServiceError):
        services.appeal_decide(appeal=appeal, by=supervisor, upheld=False, reason="改判")
    review.refresh_from_db()
    assert review.level == 2  # the review row is untouched


def test_appeal_out_of_scope(org, new_case):
    review = bad_review(new_case)
    with pytest.raises(NotInScope):
        services.appeal_file(review=review, by=org.user("station2_agent"), reason="x")


def test_reminder_after_three_working_days_once(new_case):
    # Completed Friday 2025-11-14; 3 working days → Wednesday 2025-11-19.
    with time_machine.travel(datetime.datetime(2025, 11, 14, 10, tzinfo=SH), tick=False):
        _, invitation, token = completed_with_link(new_case)
    with time_machine.travel(datetime.datetime(2025, 11, 18, 23, tzinfo=SH), tick=False):
        assert services.invitations_remind_due() == 0
    with time_machine.travel(datetime.datetime(2025, 11, 19, 9, tzinfo=SH), tick=False):
        assert services.invitations_remind_due() == 1
        assert services.invitations_remind_due() == 0
        sms = Message.objects.get(event=Message.Event.REVIEW_REMIND)
        assert f"/r/{token}/" in sms.text
        # The link still works after the reminder.
        services.review_submit_by_token(token=token, level=5)


def test_no_reminder_when_answered(new_case):
    with time_machine.travel(datetime.datetime(2025, 11, 14, 10, tzinfo=SH), tick=False):
        _, _, token = completed_with_link(new_case)
        services.review_submit_by_token(token=token, level=5)
    with time_machine.travel(datetime.datetime(2025, 11, 25, 9, tzinfo=SH), tick=False):
        assert services.invitations_remind_due() == 0


def test_duplicate_insert_is_refused_by_the_database(new_case):
    case = new_case(complete=True)
    services.review_submit_by_tracking(tracking_token=case.tracking_token, level=5)
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.create(
            level=5, stage=Stage.COMPLETE, channel=ReviewChannel.QR, case=case, institution=case.institution
        )


def test_classifier_on_real_rows(org, new_case, items):
    from bangban.evaluations import selectors
    from bangban.evaluations.indicators import facts_of_rectification, facts_of_review

    review = bad_review(new_case)
    rect = run_loop(org, review.rectification)
    item_id = selectors.first_item_ids([review.case_id])[review.case_id]
    assert item_id == items["license"].pk
    facts = facts_of_review(review, appeal_upheld=False, item_id=item_id)
    assert [f.metric for f in facts] == ["review.total"] and facts[0].institution_id == org.station.pk
    rect_facts = facts_of_rectification(
        rect, review=review, revisits=rect.revisits.count(), appeal_upheld=False
    )
    assert sorted(f.metric for f in rect_facts) == [
        "rectification.due",
        "rectification.on_time",
        "revisit.done",
        "revisit.due",
    ]
    appeal = services.appeal_file(review=review, by=org.user("station_agent"), reason="误评")
    services.appeal_decide(appeal=appeal, by=org.user("supervisor"), upheld=True, reason="核实误评")
    review = Review.objects.get(pk=review.pk)
    upheld = selectors.appeal_upheld(review)
    assert upheld and facts_of_review(review, appeal_upheld=upheld) == []


def test_beat_task_is_scheduled_and_reminds(settings, new_case):
    from bangban.evaluations import tasks

    entry = settings.CELERY_BEAT_SCHEDULE["evaluations-remind-invitations"]
    assert entry["task"] == "bangban.evaluations.tasks.remind_invitations"
    with time_machine.travel(datetime.datetime(2025, 11, 14, 10, tzinfo=SH), tick=False):
        completed_with_link(new_case)
    with time_machine.travel(datetime.datetime(2025, 11, 20, 10, tzinfo=SH), tick=False):
        assert tasks.remind_invitations() == 1
        assert tasks.remind_invitations() == 0


def test_feedback_out_of_order_queues_no_sms(org, new_case):
    rect = bad_review(new_case).rectification
    with pytest.raises(ServiceError):
        services.rectification_feedback(rect=rect, by=org.user("station_agent"), text="提前反馈")
    assert not Message.objects.filter(event=Message.Event.RECTIFIED).exists()
