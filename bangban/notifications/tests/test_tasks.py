"""send_message: one send per message whatever happens — duplicates, redelivery, concurrency, retries."""

import datetime as dt
import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from bangban.core import crypto
from bangban.notifications.backends import GatewayError, PermanentGatewayError, RecordingBackend
from bangban.notifications.models import Message
from bangban.notifications.tasks import MAX_RETRIES, claim, deliver, send_message, send_pending

BACKEND = "bangban.notifications.tests.test_tasks."


class FlakyBackend:
    """Fails `failures` times with a retryable error, then records like RecordingBackend."""

    failures = 0
    calls = 0

    def send(self, message):
        type(self).calls += 1
        if type(self).calls <= type(self).failures:
            raise GatewayError("网关暂时不可用")
        return RecordingBackend().send(message)


class RefusingBackend:
    calls = 0

    def send(self, message):
        type(self).calls += 1
        raise PermanentGatewayError("短信网关返回 HTTP 400：号码格式错误")


class CrashingBackend:
    def send(self, message):
        raise RuntimeError("bug")


class BlockingBackend:
    """Records, but holds the sender inside the gateway call until released."""

    entered = threading.Event()
    release = threading.Event()

    def send(self, message):
        type(self).entered.set()
        assert type(self).release.wait(10)
        return RecordingBackend().send(message)


@pytest.fixture
def eager_retries(settings):
    """Let Celery run a task's retries in-process, at once (our settings propagate eager errors)."""
    settings.CELERY_TASK_EAGER_PROPAGATES = False


def _message(**fields) -> Message:
    values = {
        **crypto.phone_columns("13800138000"),
        "text": "【帮办代办】测试",
        "event": "accepted",
        "dedupe_key": "t:1",
    }
    values.update(fields)
    return Message.objects.create(**values)


@pytest.mark.django_db
def test_a_sent_message_is_never_sent_again():
    message = _message()
    assert send_message.delay(message.pk).get() == "sent"
    assert send_message.delay(message.pk).get() == "skipped"  # duplicate delay / redelivery
    assert deliver(message.pk) == "skipped"
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Message.Status.SENT, 1)
    assert len(RecordingBackend.sent) == 1


@pytest.mark.django_db
def test_retryable_errors_are_retried_until_sent(settings, eager_retries):
    settings.BANGBAN_SMS_BACKEND = BACKEND + "FlakyBackend"
    FlakyBackend.calls, FlakyBackend.failures = 0, 2
    message = _message()
    assert send_message.apply(args=[message.pk]).get() == "sent"
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == (Message.Status.SENT, 3, "")
    assert len(RecordingBackend.sent) == 1


@pytest.mark.django_db
def test_retries_are_bounded_and_end_failed(settings, eager_retries):
    settings.BANGBAN_SMS_BACKEND = BACKEND + "FlakyBackend"
    FlakyBackend.calls, FlakyBackend.failures = 0, 100
    message = _message()
    assert send_message.apply(args=[message.pk]).get() == "failed"
    message.refresh_from_db()
    assert message.status == Message.Status.FAILED
    assert message.attempts == MAX_RETRIES + 1 == FlakyBackend.calls
    assert message.last_error == "网关暂时不可用"
    assert send_message.retry_backoff and send_message.max_retries == MAX_RETRIES


@pytest.mark.django_db
def test_between_retries_the_message_waits_as_pending(settings):
    settings.BANGBAN_SMS_BACKEND = BACKEND + "FlakyBackend"
    FlakyBackend.calls, FlakyBackend.failures = 0, 1
    message = _message()
    with pytest.raises(GatewayError):
        deliver(message.pk, final_attempt=False)
    message.refresh_from_db()
    assert (message.status, message.last_error) == (Message.Status.PENDING, "网关暂时不可用")
    assert deliver(message.pk) == "sent"


@pytest.mark.django_db
def test_in_eager_mode_a_failed_first_attempt_waits_for_the_sweep(
    settings, django_capture_on_commit_callbacks
):
    from bangban.notifications.services import notify

    settings.BANGBAN_SMS_BACKEND = BACKEND + "FlakyBackend"
    FlakyBackend.calls, FlakyBackend.failures = 0, 1
    with django_capture_on_commit_callbacks(execute=True):
        message = notify(phone="13800138000", text="测试", event="accepted", dedupe_key="t:eager")
    message.refresh_from_db()
    assert (message.status, message.last_error) == (Message.Status.PENDING, "网关暂时不可用")
    assert send_pending(older_than_seconds=0) == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Message.Status.SENT, 2)


@pytest.mark.django_db
def test_permanent_refusal_is_not_retried(settings):
    settings.BANGBAN_SMS_BACKEND = BACKEND + "RefusingBackend"
    RefusingBackend.calls = 0
    message = _message()
    assert send_message.apply(args=[message.pk]).get() == "failed"
    message.refresh_from_db()
    assert (message.status, message.attempts, RefusingBackend.calls) == (Message.Status.FAILED, 1, 1)
    assert "HTTP 400" in message.last_error
    assert deliver(message.pk) == "skipped"  # a failed message waits for a staff retry


@pytest.mark.django_db
def test_a_crashing_backend_marks_the_message_failed(settings):
    settings.BANGBAN_SMS_BACKEND = BACKEND + "CrashingBackend"
    message = _message()
    assert send_message.apply(args=[message.pk]).get() == "failed"
    message.refresh_from_db()
    assert message.status == Message.Status.FAILED and "RuntimeError: bug" in message.last_error


@pytest.mark.django_db
def test_a_dead_workers_claim_is_taken_over_only_when_stale():
    message = _message()
    token = claim(message.pk)
    assert token and claim(message.pk) is None
    assert deliver(message.pk) == "skipped"  # someone is sending it right now
    Message.objects.filter(pk=message.pk).update(claimed_at=timezone.now() - dt.timedelta(minutes=11))
    assert deliver(message.pk) == "sent"
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Message.Status.SENT, 2)
    # The dead worker's token can no longer finish the message.
    from bangban.notifications.tasks import _finish

    _finish(message.pk, token, status=Message.Status.FAILED)
    message.refresh_from_db()
    assert message.status == Message.Status.SENT


@pytest.mark.django_db
def test_sweep_requeues_lost_messages():
    old = timezone.now() - dt.timedelta(hours=1)
    lost = _message(dedupe_key="t:lost")
    fresh = _message(dedupe_key="t:fresh")
    stuck = _message(dedupe_key="t:stuck", status=Message.Status.SENDING, claimed_at=old)
    Message.objects.filter(pk=lost.pk).update(updated_at=old)
    assert send_pending() == 2
    statuses = dict(Message.objects.values_list("dedupe_key", "status"))
    assert statuses == {"t:lost": "sent", "t:fresh": "pending", "t:stuck": "sent"}
    assert {s.message_id for s in RecordingBackend.sent} == {lost.pk, stuck.pk}
    assert fresh.pk not in {s.message_id for s in RecordingBackend.sent}


def _in_thread(fn, results, index):
    try:
        results[index] = fn()
    except Exception as exc:  # pragma: no cover - reported by the assertion
        results[index] = exc
    finally:
        connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_a_second_task_while_the_first_is_sending_does_nothing(settings):
    settings.BANGBAN_SMS_BACKEND = BACKEND + "BlockingBackend"
    BlockingBackend.entered.clear()
    BlockingBackend.release.clear()
    message = _message()
    results = [None]
    first = threading.Thread(target=_in_thread, args=(lambda: send_message(message.pk), results, 0))
    first.start()
    try:
        assert BlockingBackend.entered.wait(10)
        assert send_message(message.pk) == "skipped"  # the first worker holds the claim
    finally:
        BlockingBackend.release.set()
        first.join(10)
    assert results == ["sent"]
    assert len(RecordingBackend.sent) == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Message.Status.SENT, 1)


@pytest.mark.django_db(transaction=True)
def test_concurrent_tasks_for_one_message_send_it_once():
    name = str(connection.settings_dict["NAME"])
    if connection.vendor == "sqlite" and ("memory" in name or name == ""):
        pytest.skip("shared-cache in-memory SQLite fails lock waits at once; use a file test database")
    message = _message()
    n = 8
    barrier = threading.Barrier(n)
    results = [None] * n

    def run():
        barrier.wait(10)
        return send_message(message.pk)

    threads = [threading.Thread(target=_in_thread, args=(run, results, i)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert sorted(results) == ["sent"] + ["skipped"] * (n - 1), results
    assert len(RecordingBackend.sent) == 1


@pytest.mark.django_db
def test_relay_mode_leaves_the_commit_alone_and_the_relay_queues_each_row_once(
    settings, django_capture_on_commit_callbacks
):
    from bangban.notifications.services import notify
    from bangban.notifications.tasks import relay_new

    settings.BANGBAN_SMS_DISPATCH = "relay"
    settings.BANGBAN_SMS_BACKEND = "bangban.notifications.backends.RecordingBackend"
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        first = notify(phone="13800138000", text="您的办件已受理", event="accepted", dedupe_key="relay:1")
        second = notify(phone="13800138001", text="您的办件已办结", event="completed", dedupe_key="relay:2")
        landline = notify(phone="0512-66668888", text="固话", event="accepted", dedupe_key="relay:3")
    assert callbacks == []  # the request never talks to the broker
    assert Message.objects.filter(status=Message.Status.PENDING, queued_at__isnull=True).count() == 2
    assert landline.status == Message.Status.FAILED
    assert relay_new() == 2  # eager Celery here: queued and delivered
    for message in (first, second):
        message.refresh_from_db()
        assert message.status == Message.Status.SENT and message.queued_at is not None
        assert message.attempts == 1
    assert relay_new() == 0  # each row is queued once


def _pending(n: int) -> list[Message]:
    return [_message(dedupe_key=f"batch:{i}", text=f"【帮办代办】第 {i} 条") for i in range(n)]


@pytest.mark.django_db
def test_the_relay_delivers_its_rows_in_chunks_each_once(settings, monkeypatch):
    from bangban.notifications import tasks

    settings.BANGBAN_SMS_DISPATCH = "relay"
    messages = _pending(2 * tasks.RELAY_CHUNK + 3)
    batches = []

    def delay(ids):  # eager Celery: the chunk is delivered here, in the relay's call
        batches.append(list(ids))
        return tasks.send_batch.apply(args=[ids])

    monkeypatch.setattr(tasks.send_batch, "delay", delay)
    assert tasks.relay_new() == len(messages)
    assert [len(b) for b in batches] == [tasks.RELAY_CHUNK, tasks.RELAY_CHUNK, 3]
    assert sorted(pk for b in batches for pk in b) == sorted(m.pk for m in messages)
    assert set(Message.objects.values_list("status", "attempts")) == {(Message.Status.SENT, 1)}
    assert len(RecordingBackend.sent) == len(messages)
    # A redelivered chunk (acks are late) sends nothing twice.
    tasks.send_batch.apply(args=[batches[0]])
    assert len(RecordingBackend.sent) == len(messages)
    assert tasks.relay_new() == 0


@pytest.mark.django_db
def test_a_retryable_failure_in_a_chunk_goes_to_send_message_and_the_rest_are_sent(settings, eager_retries):
    from bangban.notifications import tasks

    settings.BANGBAN_SMS_BACKEND = BACKEND + "FlakyBackend"
    FlakyBackend.calls, FlakyBackend.failures = 0, 1  # the chunk's first delivery fails once
    first, *others = _pending(3)
    tasks.send_batch.apply(args=[[first.pk, *(m.pk for m in others)]])
    first.refresh_from_db()
    # Retried at once by send_message (eager Celery), as its first retry: one attempt more.
    assert (first.status, first.attempts, first.last_error) == (Message.Status.SENT, 2, "")
    assert set(Message.objects.filter(pk__in=[m.pk for m in others]).values_list("status", "attempts")) == {
        (Message.Status.SENT, 1)
    }


@pytest.mark.django_db
def test_a_message_failing_in_a_chunk_has_the_same_number_of_attempts_as_alone(settings, eager_retries):
    from bangban.notifications import tasks

    settings.BANGBAN_SMS_BACKEND = BACKEND + "FlakyBackend"
    FlakyBackend.calls, FlakyBackend.failures = 0, 100
    (message,) = _pending(1)
    tasks.send_batch.apply(args=[[message.pk]])
    message.refresh_from_db()
    assert message.status == Message.Status.FAILED
    assert message.attempts == MAX_RETRIES + 1 == FlakyBackend.calls


@pytest.mark.django_db
def test_the_sweep_takes_a_dead_workers_claim_after_the_configured_staleness(settings):
    """BANGBAN_SMS_STALE_SECONDS: how long a claim left by a worker killed mid-send blocks a resend."""
    settings.BANGBAN_SMS_STALE_SECONDS = 30
    now = timezone.now()
    recent = _message(
        dedupe_key="t:recent", status=Message.Status.SENDING, claimed_at=now - dt.timedelta(seconds=10)
    )
    dead = _message(
        dedupe_key="t:dead", status=Message.Status.SENDING, claimed_at=now - dt.timedelta(seconds=40)
    )
    assert send_pending() == 1
    statuses = dict(Message.objects.values_list("dedupe_key", "status"))
    assert statuses == {"t:recent": "sending", "t:dead": "sent"}
    assert [s.message_id for s in RecordingBackend.sent] == [dead.pk] and recent.pk
