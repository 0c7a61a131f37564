"""The app's settings with the benchmark's URLs on top (bench/urls.py): only the bench's server uses it,
so production never ships the bare view."""

import os

from bangban.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
# Every wrk client is 127.0.0.1: the public knowledge search's per-address throttle would answer 429.
BANGBAN_KNOWLEDGE_SEARCH_RATE = None
# --no-result-cache: every search computed (the fast path without its result cache).
BANGBAN_KNOWLEDGE_RESULT_SECONDS = int(os.environ.get("BENCH_KNOWLEDGE_RESULT_SECONDS", "300"))
