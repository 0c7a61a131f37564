"""notify(): outbox row in the caller's transaction, sent once after commit, never on rollback."""

import pytest
from django.db import transaction

from bangban.audit.models import AuditEvent
from bangban.core.errors import AccessRefused, NotInScope, ServiceError
from bangban.notifications.backends import RecordingBackend
from bangban.notifications.models import Message
from bangban.notifications.services import message_retry, notify

pytestmark = pytest.mark.django_db
PHONE = "13800138000"


def _notify(key="case:1:accepted:1", **kwargs):
    args = {
        "phone": PHONE,
        "text": "【帮办代办】您的办件BB1已受理。",
        "event": "accepted",
        "dedupe_key": key,
        "object_type": "cases.case",
        "object_id": "1",
    }
    args.update(kwargs)
    return notify(**args)


def test_committed_notification_is_sent_exactly_once(org, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        message = _notify(institution=org.station)
        assert message.status == Message.Status.PENDING
        assert RecordingBackend.sent == []  # nothing before the commit
    assert len(callbacks) == 1
    message.refresh_from_db()
    assert message.status == Message.Status.SENT
    assert (message.attempts, message.provider_id) == (1, f"recorded-{message.pk}")
    assert message.sent_at is not None and message.last_error == ""
    assert [(s.message_id, s.phone) for s in RecordingBackend.sent] == [(message.pk, PHONE)]


def test_rolled_back_transaction_sends_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                _notify()
                raise RuntimeError("the case transition failed")
        except RuntimeError:
            pass
    assert callbacks == []
    assert not Message.objects.exists()
    assert RecordingBackend.sent == []


def test_dedupe_key_makes_notify_idempotent(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        first = _notify()
        second = _notify(text="另一条内容")
    assert first.pk == second.pk and len(callbacks) == 1
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        third = _notify()
    assert third.pk == first.pk and callbacks == []
    assert Message.objects.count() == 1 and len(RecordingBackend.sent) == 1
    assert Message.objects.get().text == "【帮办代办】您的办件BB1已受理。"


def test_invalid_phone_is_recorded_as_failed_without_failing_the_caller(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        message = _notify(phone="0512-6666")
    assert callbacks == []
    assert message.status == Message.Status.FAILED and "11 位数字" in message.last_error
    assert RecordingBackend.sent == []


@pytest.mark.parametrize(
    "kwargs",
    [{"event": "archived"}, {"dedupe_key": ""}, {"dedupe_key": "k" * 201}, {"text": "  "}],
)
def test_programming_errors_raise(kwargs):
    with pytest.raises(ValueError):
        _notify(**kwargs)


def test_staff_retry_of_a_failed_message(org, django_capture_on_commit_callbacks):
    message = _notify(institution=org.station)
    Message.objects.filter(pk=message.pk).update(
        status=Message.Status.FAILED, last_error="HTTP 400", attempts=1
    )
    message.refresh_from_db()
    with pytest.raises(NotInScope):
        message_retry(by=org.user("station2_agent"), message=message)
    with pytest.raises(AccessRefused):
        message_retry(by=org.user("catalog_admin"), message=message)
    with django_capture_on_commit_callbacks(execute=True):
        message_retry(by=org.user("station_agent"), message=message)
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Message.Status.SENT, 2)
    event = AuditEvent.objects.get(action="notifications.message.retry")
    assert event.changes["status"] == {"before": "failed", "after": "pending"}
    assert event.institution == org.station
    with pytest.raises(ServiceError) as exc:
        message_retry(by=org.user("county_admin"), message=message)
    assert exc.value.code == "not_failed"


def test_retry_refuses_an_invalid_number(org):
    message = _notify(phone="12345", institution=org.county)
    with pytest.raises(ServiceError) as exc:
        message_retry(by=org.user("county_admin"), message=message)
    assert exc.value.code == "invalid_phone"


def test_messages_without_institution_belong_to_the_platform(org):
    message = _notify()
    Message.objects.filter(pk=message.pk).update(status=Message.Status.FAILED)
    with pytest.raises(NotInScope):
        message_retry(by=org.user("county_admin"), message=message)


@pytest.mark.django_db(transaction=True)
def test_concurrent_notify_with_one_dedupe_key_sends_once():
    import threading

    from django.db import connection, connections

    name = str(connection.settings_dict["NAME"])
    if connection.vendor == "sqlite" and "memory" in name:
        pytest.skip("shared-cache in-memory SQLite fails lock waits at once; use a file test database")
    n = 6
    barrier = threading.Barrier(n)
    ids, errors = [], []

    def run():
        try:
            barrier.wait(10)
            with transaction.atomic():  # the caller's transaction, e.g. a case transition
                ids.append(_notify(key="case:7:accepted:1").pk)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == [] and len(set(ids)) == 1 and len(ids) == n
    assert Message.objects.get().status == Message.Status.SENT
    assert len(RecordingBackend.sent) == 1


def test_the_outbox_keeps_the_number_encrypted_and_finds_it_whole(org):
    from django.db import connection

    from bangban.core import crypto
    from bangban.notifications.selectors import message_list

    message = _notify(institution=org.station)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM notifications_message")
        (row,) = cursor.fetchall()
    assert PHONE not in " ".join(str(v) for v in row)
    assert message.masked_phone == "138****8000" and str(message) == "受理短信 → 138****8000"
    assert crypto.decrypt(message.phone_encrypted) == PHONE
    user = org.user("town_admin")
    assert list(message_list(user=user, search=PHONE)) == [message]
    assert list(message_list(user=user, search="13800000000")) == []


def test_a_repeated_notify_is_compared_by_hash_and_keeps_the_first(org):
    first = _notify(institution=org.station)
    again = _notify(institution=org.station, phone="13900000000")
    assert again.pk == first.pk and again.recipient() == PHONE
