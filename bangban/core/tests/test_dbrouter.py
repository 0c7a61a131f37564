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


def test_replica_database_url_adds_a_mirrored_replica_alias():
    """Settings: REPLICA_DATABASE_URL adds DATABASES["replica"] on the default's engine, mirrored in tests."""
    import json
    import os
    import subprocess
    import sys

    code = (
        "import json, django; django.setup(); from django.conf import settings as s;"
        "r = s.DATABASES.get('replica'); print(json.dumps(r and [r['ENGINE'], r['HOST'], r['PORT'], r['TEST']['MIRROR']]))"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bangban.settings",
        "DATABASE_URL": "postgres://app@primary:5432/bangban",
        "REPLICA_DATABASE_URL": "postgres://reader@standby:5433/bangban",
    }
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == ["bangban.core.db.postgresql", "standby", 5433, "default"]
    env.pop("REPLICA_DATABASE_URL")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) is None
