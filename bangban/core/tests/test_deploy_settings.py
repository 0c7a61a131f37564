"""Production settings read from the environment by the deployment (deploy/bangban.env.example)."""

import json
import os
import subprocess
import sys

CODE = (
    "import json, django; django.setup(); from django.conf import settings as s;"
    "r = s.DATABASES.get('replica');"
    "print(json.dumps([r and [r['ENGINE'], r['HOST'], r['PORT'], r['TEST']['MIRROR']], s.BANGBAN_TRUST_PROXY]))"
)


def _settings(**env):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bangban.settings", **env}
    env = {k: v for k, v in env.items() if v is not None}
    out = subprocess.run([sys.executable, "-c", CODE], env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def test_replica_url_and_trusted_proxy_come_from_the_environment():
    """REPLICA_DATABASE_URL adds DATABASES["replica"] (default's engine, mirrored in tests);
    BANGBAN_TRUST_PROXY (README's table) really switches client_ip to X-Forwarded-For."""
    replica, trust = _settings(
        DATABASE_URL="postgres://app@primary:5432/bangban",
        REPLICA_DATABASE_URL="postgres://reader@standby:5433/bangban",
        BANGBAN_TRUST_PROXY="true",
    )
    assert replica == ["bangban.core.db.postgresql", "standby", 5433, "default"] and trust is True
    assert _settings(REPLICA_DATABASE_URL=None, BANGBAN_TRUST_PROXY=None) == [None, False]


POOL = (
    "import json, django; django.setup(); from django.conf import settings as s;"
    "d = s.DATABASES['default']; print(json.dumps([d['CONN_MAX_AGE'], d['OPTIONS'].get('pool')]))"
)


def test_postgresql_connections_come_from_a_pool_unless_turned_off():
    """A pool per process (DB_POOL_MAX_SIZE) and no persistent connection per thread; CONN_MAX_AGE
    only without the pool, and both at once refused."""

    def run(**env):
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bangban.settings", **env}
        env = {k: v for k, v in env.items() if v is not None}
        return subprocess.run([sys.executable, "-c", POOL], env=env, capture_output=True, text=True)

    url = "postgres://app@primary:5432/bangban"
    out = run(DATABASE_URL=url, DB_POOL_MAX_SIZE=None, CONN_MAX_AGE=None)
    assert json.loads(out.stdout) == [0, {"min_size": 1, "max_size": 10, "timeout": 10.0, "max_idle": 300}]
    out = run(DATABASE_URL=url, DB_POOL_MAX_SIZE="0", CONN_MAX_AGE="60")
    assert json.loads(out.stdout) == [60, None]
    out = run(DATABASE_URL=url, DB_POOL_MAX_SIZE=None, CONN_MAX_AGE="60")
    assert out.returncode != 0 and "DB_POOL_MAX_SIZE=0" in out.stderr


def test_the_shipped_app_server_has_threads_for_every_remote_help_wait_and_for_pages(settings):
    """A remote-help long-poll holds a server thread while it waits; the unit we ship must leave threads
    for pages beyond the per-process cap of open waits (one thread: one waiting caller stalls a worker)."""
    import re
    from pathlib import Path

    unit = (Path(settings.BASE_DIR) / "deploy" / "systemd" / "bangban-web@.service").read_text()
    threads = int(re.search(r"--blocking-threads (\d+)", unit).group(1))
    backpressure = int(re.search(r"--backpressure (\d+)", unit).group(1))
    assert threads >= backpressure > settings.BANGBAN_REMOTE_MAX_WAITS + 16


def test_the_app_server_entry_point_warms_up_and_freezes_what_it_loaded():
    """bangban.wsgi (what granian and gunicorn load) imports the URLconf and runs the apps' warm-ups
    (core.warmup) at start-up, and moves the
    long-lived objects out of the collector's reach, so a full collection walks only what requests
    create (it walked ~170,000 objects, tens of ms with no answer)."""
    code = (
        "import gc, sys, bangban.wsgi; from django.conf import settings as s;"
        "from bangban.knowledge import text;"
        "print(gc.get_freeze_count(), s.ROOT_URLCONF in sys.modules, text._segmenter.cache_info().currsize)"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bangban.settings"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    frozen, urlconf_loaded, segmenters = out.stdout.split()
    assert int(frozen) > 100_000 and urlconf_loaded == "True"
    # core.warmup: the search's segmenter is loaded before the first visitor, not by them.
    assert segmenters == "1"
