import socket

from celery import shared_task


@shared_task
def ping(echo: str = "") -> dict:
    """Round trip through the broker: used by health checks of the worker fleet and by the tests."""
    return {"echo": echo, "worker": socket.gethostname()}
