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


@pytest.mark.django_db
def test_app_statements_are_not_jit_compiled():
    """Compiling cost more than running the indicator reads that reach JIT's plan cost (issue 10)."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL setting")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


@pytest.mark.django_db
def test_the_agent_queue_index_covers_the_workbench_counts():
    """cases 0008: status and institution_id in cases_open_by_agent (PostgreSQL), so the 工作台's
    aggregate over an agent's open cases needs no heap visits."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'cases_open_by_agent'")
            definition = cursor.fetchone()[0]
            assert "INCLUDE (status, institution_id)" in definition and "WHERE" in definition
        else:  # SQLite keeps the plain partial index of the model
            cursor.execute("SELECT sql FROM sqlite_master WHERE name = 'cases_open_by_agent'")
            assert "WHERE" in cursor.fetchone()[0]
