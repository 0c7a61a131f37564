import os

import pytest
from hypothesis import settings as hypothesis_settings
from rest_framework.test import APIClient

from bangban.core.testing import PASSWORD, make_org

# Playwright's sync API runs an event loop in the test thread; the ORM calls made by the
# live server and fixtures are still synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# Property tests check rules, not speed: Hypothesis's 200 ms deadline per example fails them when CI's
# two workers and a browser share two cores (seen on the card-reader round trip under load).
hypothesis_settings.register_profile("bangban", deadline=None)
hypothesis_settings.load_profile("bangban")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The production hasher (PBKDF2) costs ~0.3 s a hash; the tests hash dozens of passwords.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_calendar_copy():
    # Each test's database starts from the same calendar; a copy kept from an earlier test's
    # (rolled back) changes must not be trusted for BANGBAN_CALENDAR_RECHECK_SECONDS.
    from bangban.workdays import selectors

    selectors._cached = None
    yield
    selectors._cached = None


@pytest.fixture(autouse=True)
def _fresh_host_copy():
    # Each process keeps the portal's host for minutes; a copy from an earlier test's database must
    # not show in the next test's footer.
    from bangban.portal import selectors

    selectors.kept_host.clear()
    yield
    selectors.kept_host.clear()


@pytest.fixture(autouse=True)
def _fresh_disclosure_snapshot():
    # Likewise the catalog snapshot behind 信息公开率 and the indicator targets' copy: an earlier test's
    # (rolled back) catalog or targets must not be trusted for their seconds.
    from bangban.supervision import disclosure, selectors

    disclosure.kept.clear()
    selectors.kept_targets.clear()
    yield
    disclosure.kept.clear()
    selectors.kept_targets.clear()


@pytest.fixture(autouse=True)
def _fresh_remote_numbers():
    # Remote help's live wake-ups remember per call id the highest event number heard in this process
    # (live._latest). Ids start again in each test's database: a number left by an earlier test's call
    # would tell this test's waiter it had missed events and then hide the real next one.
    from bangban.remote import live

    with live._lock:
        live._latest.clear()
    yield
    with live._lock:
        live._latest.clear()


@pytest.fixture(autouse=True)
def _fresh_cache():
    # The login throttle counts failures per client in the cache; one test's attempts must not
    # throttle the next test's client.
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _outside_any_celery_task():
    """Every test starts outside any Celery task. Celery refuses a result wait "inside a task", judged by
    a process-wide flag that each eager task sets and restores around itself: eager tasks on two threads
    of this process (a concurrency test, the live server) can leave it set, and a later test's wait for
    a result would fail depending on the order the tests ran in."""
    from celery._state import _set_task_join_will_block

    _set_task_join_will_block(False)


@pytest.fixture
def org(db):
    return make_org()


@pytest.fixture
def api():
    def client_for(user=None):
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return client_for


@pytest.fixture
def web(client):
    def login_as(user):
        client.force_login(user)
        return client

    return login_as


@pytest.fixture
def password():
    return PASSWORD


# --- one database for database-independent tests ----------------------------------------------------
# `make test` runs the suite twice, on SQLite and on PostgreSQL. A test whose subject cannot depend on
# the database (axe over rendered pages, a migration's Python) is marked
# `@pytest.mark.one_database("postgresql")` or `("sqlite")`: when scripts/test.sh announces that both
# runs happen (BANGBAN_BOTH_DATABASES=1), it runs in the named run only; otherwise it runs everywhere.
# Browser tests are one_database("sqlite") unless marked otherwise: they drive the pages through
# Chromium, what the embedded default (`make run`) serves; every page and API they use is also tested
# through Django's test client on both databases.


def pytest_collection_modifyitems(config, items):
    from django.db import connection

    if os.environ.get("BANGBAN_BOTH_DATABASES") == "1":
        keep, dropped = [], []
        for item in items:
            marker = item.get_closest_marker("one_database")
            vendor = marker.args[0] if marker else "sqlite" if item.get_closest_marker("browser") else None
            (dropped if vendor and vendor != connection.vendor else keep).append(item)
        if dropped:
            config.hook.pytest_deselected(items=dropped)
            items[:] = keep
    # The longest tests (browser) first: xdist hands tests out in this order, and a long test started
    # last leaves the other worker idle at the end.
    items.sort(key=lambda item: item.get_closest_marker("browser") is None)
