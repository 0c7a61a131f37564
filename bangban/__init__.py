"""Bangban (帮办): the platform for assisted and proxy handling of government services."""

from bangban.celery import app as celery_app

__all__ = ["celery_app"]
