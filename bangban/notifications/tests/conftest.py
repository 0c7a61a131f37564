import pytest

from bangban.notifications.backends import RecordingBackend


@pytest.fixture(autouse=True)
def _empty_recording_backend():
    RecordingBackend.clear()
    yield
    RecordingBackend.clear()
