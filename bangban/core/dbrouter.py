"""Send the reports' heavy reads to a PostgreSQL read replica when one is configured.

`REPLICA_DATABASE_URL` (optional) adds `DATABASES["replica"]`. Then reads of the indicator
counters (`supervision.DailyFact`, `supervision.RollupFact`: what the indicator pages and reports
aggregate) go to the replica; every write, every locking read (`select_for_update` counts as a
write) and every other model stays on `default`. Without a replica everything is on `default`.
Migrations run on `default` only: the replica receives them by replication.

A replica lags by a moment, so only reads that may be a little stale are routed: the counters are
summaries, and the services that keep them exact write through `default`.
"""

from __future__ import annotations

from django.conf import settings

REPLICA = "replica"
DEFAULT = "default"
# (app_label, model_name) whose reads may go to the replica.
REPLICA_READS = frozenset({("supervision", "dailyfact"), ("supervision", "rollupfact")})


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if (model._meta.app_label, model._meta.model_name) in REPLICA_READS and replica_configured():
            return REPLICA
        return None  # Django's choice: the related instance's database, else default

    def db_for_write(self, model, **hints):
        return None  # never the replica

    def allow_relation(self, obj1, obj2, **hints):
        # The replica is a copy of default: objects read from either may be related.
        return {obj1._state.db or DEFAULT, obj2._state.db or DEFAULT} <= {DEFAULT, REPLICA} or None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        if db == REPLICA:
            return False
        return None
