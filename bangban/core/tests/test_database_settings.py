"""How the app's PostgreSQL connections are set up (settings.DATABASES)."""

import pytest
from django.db import connection


@pytest.mark.django_db
def test_app_statements_run_without_parallel_workers():
    """A page's query spread over several processes takes CPU from the other requests (issue 9)."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL setting")
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        assert cursor.fetchone()[0] == "0"
