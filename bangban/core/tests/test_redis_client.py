"""/healthz reports Redis through one shared client per URL, and says "degraded" when it is away."""

import os

import pytest

from bangban.core.redis_client import quick_client

REDIS = os.environ.get("TEST_REDIS_URL", "")


@pytest.mark.django_db
def test_healthz_is_degraded_not_down_without_redis(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "degraded",
        "database": response.json()["database"],
        "redis": "unreachable",
    }


@pytest.mark.django_db
@pytest.mark.skipif(not REDIS, reason="TEST_REDIS_URL not set")
def test_healthz_reuses_one_client_per_url(client, settings):
    settings.REDIS_URL = REDIS
    assert client.get("/healthz").json()["redis"] == "ok"
    assert client.get("/healthz").json()["redis"] == "ok"
    assert quick_client(REDIS) is quick_client(REDIS)
    assert quick_client.cache_info().currsize >= 1
