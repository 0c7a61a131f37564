"""The app's settings with the benchmark's URLs on top (bench/urls.py): only the bench's server uses it,
so production never ships the bare view."""

from bangban.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
