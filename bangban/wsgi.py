import gc
import os
from importlib import import_module

from django.conf import settings

from bangban.core import warmup
from bangban.core.handler import wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bangban.settings")
application = wsgi_application()  # Django's, resolving each request once (core.handler)

# Each app server process holds ~170,000 long-lived objects (modules, models, forms, the URLconf).
# Python's full collection walks all of them: 30–140 ms during which the process answers nothing,
# every few thousand requests, which set the p99 of every page. Load the URLconf now (it would load at
# the first request) and move what exists into the permanent generation (gc.freeze), so collections
# walk only what requests create. A URLconf that fails to import now stops the worker at start-up.
import_module(settings.ROOT_URLCONF)
warmup.run()  # what apps would otherwise load on a first request (core.warmup)
gc.collect()
gc.freeze()
