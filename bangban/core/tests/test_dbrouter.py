"""Reads of the indicator counters go to the read replica when one is configured (core/dbrouter.py)."""

import datetime

import pytest
from django.db import connections

from bangban.cases.models import Case
from bangban.core.dbrouter import ReplicaRouter, replica_configured
from bangban.supervision.models import DailyFact, RollupFact


def test_without_a_replica_everything_is_on_default(db):
    assert "replica" not in connections.settings and not replica_configured()
    assert DailyFact.objects.all().db == "default" and RollupFact.objects.all().db == "default"
    assert Case.objects.all().db == "default"
    DailyFact.objects.create(metric="m", day=datetime.date(2026, 1, 5), institution_id=1, n=3)
    assert DailyFact.objects.get(metric="m").n == 3


@pytest.fixture
def replica(transactional_db, settings):
    """A second connection to the test database, as REPLICA_DATABASE_URL's TEST MIRROR would be."""
    default = connections["default"]
    replica_settings = {**default.settings_dict, "TEST": {"MIRROR": "default"}}
    settings.DATABASES = {**settings.DATABASES, "replica": replica_settings}
    connections["replica"] = type(default)(replica_settings, "replica")
    try:
        yield connections["replica"]
    finally:
        connections["replica"].close()
        if getattr(connections["replica"], "pool", None):  # PostgreSQL: the alias's own pool
            connections["replica"].close_pool()
        del connections["replica"]


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
def test_with_a_replica_counter_reads_go_there_and_writes_stay_on_default(replica):
    router = ReplicaRouter()
    assert DailyFact.objects.all().db == "replica" and RollupFact.objects.all().db == "replica"
    assert DailyFact.objects.select_for_update().db == "default"  # a locking read is a write
    assert Case.objects.all().db == "default"
    assert router.db_for_write(DailyFact) is None and router.db_for_read(Case) is None
    assert router.allow_migrate("replica", "supervision") is False
    assert router.allow_migrate("default", "supervision") is None

    fact = DailyFact.objects.create(metric="m", day=datetime.date(2026, 1, 5), institution_id=1, n=3)
    assert fact._state.db == "default"
    assert replica.connection is None
    read = DailyFact.objects.get(metric="m")  # committed on default, read through the replica
    assert read.n == 3 and read._state.db == "replica"
    assert replica.connection is not None, "the read really used the replica's connection"


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
def test_the_indicator_reads_of_the_rollups_go_to_the_replica(replica):
    from bangban.supervision import selectors

    RollupFact.objects.create(
        institution_id=1, dim="t", grain="d", start=datetime.date(2026, 1, 5), metric="case.closed", n=2
    )
    assert replica.connection is None
    day = datetime.date(2026, 1, 5)
    assert selectors._ranges([1], day, day, "t", ("metric",)) == [("case.closed", 2)]
    assert replica.connection is not None, "the statement ran on the replica's connection"
