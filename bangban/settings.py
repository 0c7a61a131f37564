"""Settings, read from the environment with safe development defaults.

BANGBAN_ENV=production switches on the production checks: the process refuses to start
with DEBUG on or with the development secret key, and turns on secure cookies, HSTS
and the proxy SSL header. Everything else is the same code in both modes.
"""

from copy import deepcopy
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("BANGBAN_VAR_DIR", default=str(BASE_DIR / "var")))

VAR_DIR.mkdir(parents=True, exist_ok=True)

env = environ.Env()
DEV_SECRET_KEY = "bangban-development-secret-do-not-use-in-production"

BANGBAN_ENV = env.str("BANGBAN_ENV", default="development")
PRODUCTION = BANGBAN_ENV == "production"

DEBUG = env.bool("DEBUG", default=not PRODUCTION)
SECRET_KEY = env.str("SECRET_KEY", default=DEV_SECRET_KEY)
ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
CSRF_FAILURE_VIEW = "bangban.core.views.csrf_failure"
# Behind the production proxy (deploy/nginx): take the client address from X-Forwarded-For's first
# entry, which the proxy sets to the address it saw (core.context.client_ip). Off without a proxy.
BANGBAN_TRUST_PROXY = env.bool("BANGBAN_TRUST_PROXY", default=False)

if PRODUCTION:
    if DEBUG:
        raise ImproperlyConfigured("生产模式下不允许开启 DEBUG (BANGBAN_ENV=production requires DEBUG=false)")
    if SECRET_KEY == DEV_SECRET_KEY or len(SECRET_KEY) < 40:
        raise ImproperlyConfigured(
            "生产模式需要设置至少 40 个字符的 SECRET_KEY，且不得使用开发密钥 "
            "(BANGBAN_ENV=production requires a real SECRET_KEY)"
        )
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured(
            "生产模式需要设置 ALLOWED_HOSTS (BANGBAN_ENV=production requires ALLOWED_HOSTS)"
        )
    if not env.str("BANGBAN_FIELD_KEYS", default=""):
        raise ImproperlyConfigured(
            "生产模式需要设置 BANGBAN_FIELD_KEYS（个人信息 SM4 加密密钥，“编号:32 位十六进制”）"
            "(BANGBAN_ENV=production requires BANGBAN_FIELD_KEYS)"
        )
    from bangban.core.crypto import parse_keys

    parse_keys(env.str("BANGBAN_FIELD_KEYS"))  # refuses a malformed list, naming the entry
    if len(env.str("BANGBAN_LOOKUP_KEY", default="")) < 32:
        raise ImproperlyConfigured(
            "生产模式需要设置至少 32 个字符的 BANGBAN_LOOKUP_KEY（证件号码、电话号码检索摘要 HMAC-SM3 密钥）"
            "(BANGBAN_ENV=production requires BANGBAN_LOOKUP_KEY)"
        )
    if len(env.str("BANGBAN_AUDIT_KEY", default="")) < 32:
        raise ImproperlyConfigured(
            "生产模式需要设置至少 32 个字符的 BANGBAN_AUDIT_KEY（审计日志防篡改链密钥，不得存放在数据库中）"
            "(BANGBAN_ENV=production requires BANGBAN_AUDIT_KEY)"
        )

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "bangban.core",
    "bangban.audit",
    "bangban.divisions",
    "bangban.org",
    "bangban.accounts",
    "bangban.catalog",
    "bangban.workdays",
    "bangban.notifications",
    "bangban.cases",
    "bangban.supervision",
    "bangban.bookings",
    "bangban.complaints",
    "bangban.evaluations",
    "bangban.oversight",
    "bangban.training",
    "bangban.emergencies",
    "bangban.portal",
    "bangban.knowledge",
    "bangban.ops",
    "bangban.remote",
    "bangban.projects",
    "bangban.assessments",
    "bangban.exchange",
]

MIDDLEWARE = [
    # A request id for every log line and the response, and the request timing for /metrics.
    "bangban.ops.observability.RequestIdMiddleware",
    # Host validation before anything can answer (a forged Host must never reach a view).
    "bangban.core.middleware.HostValidationMiddleware",
    "bangban.core.middleware.RejectNulMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "bangban.core.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # No LocaleMiddleware: the one language (LANGUAGES) is active without it. It only added
    # `Vary: Accept-Language`, which made a proxy keep a copy of each public page per browser language.
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Public pages (portal.public) see an anonymous visitor: no session read, cacheable by a proxy.
    "bangban.portal.public.PublicPageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "bangban.core.middleware.RequestContextMiddleware",
    "bangban.accounts.middleware.IdleTimeoutMiddleware",
    "bangban.accounts.middleware.PasswordChangeRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "bangban.core.middleware.AccessRefusedMiddleware",
    # API writes with an Idempotency-Key happen once, whatever the retries (bangban.ops.idempotency).
    "bangban.ops.idempotency.IdempotencyMiddleware",
]

ROOT_URLCONF = "bangban.urls"
WSGI_APPLICATION = "bangban.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "bangban.core.context_processors.navigation",
            ],
        },
    },
]

# Every form renders through core/_form.html (errors named in Chinese, summary at the top).
FORM_RENDERER = "bangban.core.forms.FormRenderer"

# Database: DATABASE_URL (postgres://… in production); the embedded default is SQLite under var/.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'bangban.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Our SQLite backend keeps the audit table's triggers intact across test flushes.
    DATABASES["default"]["ENGINE"] = "bangban.core.db.sqlite3"
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        }
    )
    # Each server thread keeps its connection (Django's default, 0, opened one per request): opening
    # one costs 1.4 ms of CPU (SQLite reads the whole schema; Django's pragmas and functions), more
    # than a remote-help signal's whole request. A SQLite connection is a file handle of the process.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=600)
    # Tests use a file (one per test worker) rather than shared-cache memory: concurrent
    # transactions then wait on SQLite's busy timeout like in production instead of failing at once.
    DATABASES["default"]["TEST"] = {
        "NAME": env.str("SQLITE_TEST_NAME", default=str(VAR_DIR / "test.sqlite3"))
    }
else:
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # Our PostgreSQL backend lets Django's test flush past the audit table's TRUNCATE trigger.
        DATABASES["default"]["ENGINE"] = "bangban.core.db.postgresql"
    # Connections come from a pool per process (psycopg_pool): a thread takes one for a request and
    # gives it back when the request ends, or before a remote-help long-poll goes to sleep, so the
    # server threads (hundreds, for the open long-polls) share DB_POOL_MAX_SIZE connections and
    # PostgreSQL's max_connections is counted in processes, not threads (docs/deployment.md §9).
    # The pool keeps its connections open, so no persistent connection per thread (Django requires
    # CONN_MAX_AGE=0 with a pool). DB_POOL_MAX_SIZE=0: no pool, each thread keeps its own connection
    # for CONN_MAX_AGE seconds (only where threads are few, or behind PgBouncer).
    _pool_max = env.int("DB_POOL_MAX_SIZE", default=10)
    if _pool_max > 0:
        if env.int("CONN_MAX_AGE", default=0):
            raise ImproperlyConfigured(
                "连接池与持久连接不能同时使用：请删除 CONN_MAX_AGE，或设 DB_POOL_MAX_SIZE=0 "
                "(CONN_MAX_AGE requires DB_POOL_MAX_SIZE=0)"
            )
        DATABASES["default"]["CONN_MAX_AGE"] = 0
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": 1,  # a Celery process or a command uses one
            "max_size": _pool_max,
            # A request waits this long for a free connection, then fails (PoolTimeout, a 500).
            "timeout": env.float("DB_POOL_TIMEOUT", default=10.0),
            "max_idle": 300,
        }
    else:
        DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    # A health check costs a round trip per request (with the pool: per connection lent); a broken
    # connection is dropped at the end of the request that met it anyway (turn checks on where the
    # database fails over often).
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("CONN_HEALTH_CHECKS", default=False)
    # Server-side binding lets psycopg prepare statements the app repeats (after 5 uses), so
    # PostgreSQL parses and plans the hot queries once per connection instead of on every request.
    # Behind a transaction-pooling PgBouncer set DB_PREPARE_THRESHOLD=none.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"]["server_side_binding"] = env.bool("DB_SERVER_SIDE_BINDING", default=True)
    _prepare = env.str("DB_PREPARE_THRESHOLD", default="5")
    DATABASES["default"]["OPTIONS"]["prepare_threshold"] = None if _prepare == "none" else int(_prepare)
    # No parallel query for the app's own statements: a page's query spread over three processes
    # takes CPU from the other requests (a work-queue part at 1M cases: 9.6 ms on three processes,
    # 3.5 ms on one; issue 9 bench). A report that wants workers can SET LOCAL them.
    # No JIT compilation either: it starts above a plan cost the indicator reads reach over a county
    # and a year (1M cases), and compiling took 20–150 ms of a query that runs in 10–60 ms (issue 10).
    _options = DATABASES["default"]["OPTIONS"].get("options", "")
    _parallel = env.int("DB_PARALLEL_WORKERS", default=0)
    _jit = "on" if env.bool("DB_JIT", default=False) else "off"
    DATABASES["default"]["OPTIONS"]["options"] = (
        f"{_options} -c max_parallel_workers_per_gather={_parallel} -c jit={_jit}".strip()
    )
# An optional PostgreSQL read replica for the reports: reads of the indicator counters go there
# (bangban/core/dbrouter.py), everything else and every write to default. Tests mirror default.
REPLICA_DATABASE_URL = env.str("REPLICA_DATABASE_URL", default="")
if REPLICA_DATABASE_URL:
    DATABASES["replica"] = {
        **deepcopy(DATABASES["default"]),
        **{k: v for k, v in env.db("REPLICA_DATABASE_URL").items() if k != "ENGINE"},
        "TEST": {"MIRROR": "default"},
    }
DATABASE_ROUTERS = ["bangban.core.dbrouter.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    # Degrades to an empty cache while Redis is down (bangban/core/cache.py): sessions fall back to
    # the database, requests keep being answered. Short socket timeouts bound what a request waits.
    _cache_timeout = env.float("CACHE_REDIS_TIMEOUT", default=1.0)
    CACHES = {
        "default": {
            "BACKEND": "bangban.core.cache.DegradingRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": _cache_timeout, "socket_timeout": _cache_timeout},
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_USER_MODEL = "accounts.User"
# Every authenticate() call (the admin, test clients) goes through the login gate
# (accounts.services.login_attempt: throttle, lockout, audit).
AUTHENTICATION_BACKENDS = ["bangban.accounts.backends.LoginGateBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "bangban.accounts.passwords.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "bangban.accounts.passwords.CharacterClassValidator", "OPTIONS": {"min_classes": 3}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"  # the staff 工作台 at /staff/ ("/" is the public portal)

# Account security policy (see accounts.services).
BANGBAN_LOCKOUT_THRESHOLD = env.int("BANGBAN_LOCKOUT_THRESHOLD", default=5)
BANGBAN_LOCKOUT_DURATION = timedelta(minutes=env.int("BANGBAN_LOCKOUT_MINUTES", default=15))
BANGBAN_IDLE_TIMEOUT = timedelta(minutes=env.int("BANGBAN_IDLE_MINUTES", default=30))
# Per client address: after this many failed logins or token uses within the window, every
# attempt from it answers 429 until the window ends (kept in the cache: Redis in production).
BANGBAN_AUTH_THROTTLE_FAILURES = env.int("BANGBAN_AUTH_THROTTLE_FAILURES", default=20)
BANGBAN_AUTH_THROTTLE_SECONDS = env.int("BANGBAN_AUTH_THROTTLE_SECONDS", default=900)
# API tokens: default and longest validity in days.
BANGBAN_TOKEN_DAYS = env.int("BANGBAN_TOKEN_DAYS", default=90)
BANGBAN_TOKEN_MAX_DAYS = env.int("BANGBAN_TOKEN_MAX_DAYS", default=365)

# Personal data (ID and phone numbers) is encrypted at rest with SM4-GCM and found through
# HMAC-SM3 lookup hashes (core.crypto); production sets its own keys. Development derives both
# from SECRET_KEY. Changing the lookup key requires `bangban reencrypt` (it recomputes the hashes).
BANGBAN_FIELD_KEYS = env.str("BANGBAN_FIELD_KEYS", default="")
BANGBAN_LOOKUP_KEY = env.str("BANGBAN_LOOKUP_KEY", default="")
# Deadline traffic light: yellow when this many working days or fewer are left.
BANGBAN_DEADLINE_YELLOW_DAYS = env.int("BANGBAN_DEADLINE_YELLOW_DAYS", default=2)
# Complaints (GB/T 36113): working days for 受理, 调查, 处置, 反馈 (each ≥ 1, together ≤ 15; checked at start).
BANGBAN_COMPLAINT_STEP_LIMITS = {"accept": 1, "investigate": 5, "handle": 5, "answer": 2}
# Consultations: working days to the first answer by channel (0 = the same day).
BANGBAN_CONSULTATION_LIMITS = {"window": 0, "phone": 0, "online": 1}
# How long a process trusts its copy of the working-day calendar before comparing versions again
# (a change made on another app server reaches this one within that time).
BANGBAN_CALENDAR_RECHECK_SECONDS = env.float("BANGBAN_CALENDAR_RECHECK_SECONDS", default=1.0)

# SMS to applicants: the recording backend keeps messages in the outbox only (development);
# production sets the HTTP gateway backend with its URL and token.
BANGBAN_SMS_BACKEND = env.str(
    "BANGBAN_SMS_BACKEND", default="bangban.notifications.backends.RecordingBackend"
)
BANGBAN_SMS_GATEWAY_URL = env.str("BANGBAN_SMS_GATEWAY_URL", default="")
BANGBAN_SMS_GATEWAY_TOKEN = env.str("BANGBAN_SMS_GATEWAY_TOKEN", default="")
BANGBAN_SMS_GATEWAY_TIMEOUT = env.float("BANGBAN_SMS_GATEWAY_TIMEOUT", default=10)
BANGBAN_SMS_SIGNATURE = env.str("BANGBAN_SMS_SIGNATURE", default="【帮办代办】")
# Public SMS codes (bookings.verification): codes per phone and per client address per hour.
BANGBAN_CODES_PER_HOUR = env.int("BANGBAN_CODES_PER_HOUR", default=5)
BANGBAN_CODES_PER_HOUR_IP = env.int("BANGBAN_CODES_PER_HOUR_IP", default=30)
# Booking slots are generated this many weeks ahead (bookings.tasks, daily).
BANGBAN_SLOT_WEEKS = env.int("BANGBAN_SLOT_WEEKS", default=4)

# 差评整改: the limit in working days (domain.md §11: default 5, at most 15; checked at start-up).
BANGBAN_RECTIFY_WORKDAYS = env.int("BANGBAN_RECTIFY_WORKDAYS", default=5)
# The monthly assessment's weighting (assessments.rules): whole percents summing to 100.
BANGBAN_ASSESSMENT_WEIGHTS = {
    "indicators": 40,
    "reviews": 20,
    "complaints": 10,
    "training": 10,
    "supervisor": 20,
}

# Public base URL printed in QR codes and SMS (the tracking page); defaults to the request's host.
BANGBAN_PUBLIC_URL = env.str("BANGBAN_PUBLIC_URL", default="http://127.0.0.1:8000")

SESSION_COOKIE_AGE = 12 * 3600  # absolute limit; the idle limit is enforced by IdleTimeoutMiddleware
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = VAR_DIR / "media"

# Uploads: every multipart body and file is bounded before a view sees it (core/uploads.py); the
# reverse proxy should refuse larger bodies too (nginx client_max_body_size).
BANGBAN_UPLOAD_MAX_BYTES = env.int("BANGBAN_UPLOAD_MAX_BYTES", default=30 * 1024 * 1024)  # one file
# A blank form or filled sample of a catalog material (办事指南 downloads): PDF, Word, Excel or an image.
BANGBAN_CATALOG_ATTACHMENT_MAX_BYTES = env.int(
    "BANGBAN_CATALOG_ATTACHMENT_MAX_BYTES", default=5 * 1024 * 1024
)
BANGBAN_UPLOAD_MAX_REQUEST_BYTES = env.int(
    "BANGBAN_UPLOAD_MAX_REQUEST_BYTES", default=2 * BANGBAN_UPLOAD_MAX_BYTES + 4 * 1024 * 1024
)
FILE_UPLOAD_HANDLERS = [
    "bangban.core.uploads.BoundedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # larger files wait in a temporary file, not in memory
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # the form fields of a request, files excluded
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
# Browsers send every file input, empty ones too: an item page has two per material (the
# request as a whole stays within BANGBAN_UPLOAD_MAX_REQUEST_BYTES).
DATA_UPLOAD_MAX_NUMBER_FILES = 200
# An .xlsx is a zip of XML: what one may cost once opened (catalog/xlsx.py Limits). The
# 10,000-item benchmark workbook is 2.3 MB, 36 MB unpacked (ratio 17), 60,000 rows, 540,000 cells.
BANGBAN_XLSX_MAX_UNCOMPRESSED_BYTES = env.int(
    "BANGBAN_XLSX_MAX_UNCOMPRESSED_BYTES", default=200 * 1024 * 1024
)
BANGBAN_XLSX_MAX_RATIO = env.int("BANGBAN_XLSX_MAX_RATIO", default=100)
BANGBAN_XLSX_MAX_ENTRIES = env.int("BANGBAN_XLSX_MAX_ENTRIES", default=1000)
BANGBAN_XLSX_MAX_ROWS = env.int("BANGBAN_XLSX_MAX_ROWS", default=200_000)
BANGBAN_XLSX_MAX_CELLS_PER_ROW = env.int("BANGBAN_XLSX_MAX_CELLS_PER_ROW", default=256)
BANGBAN_XLSX_MAX_CELLS = env.int("BANGBAN_XLSX_MAX_CELLS", default=2_000_000)
BANGBAN_XLSX_MAX_SECONDS = env.float("BANGBAN_XLSX_MAX_SECONDS", default=60.0)
WHITENOISE_USE_FINDERS = not PRODUCTION

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "bangban.core.api.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["bangban.core.api.IsActiveStaff"],
    "DEFAULT_SCHEMA_CLASS": "bangban.core.schema.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "bangban.core.api.Pagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "EXCEPTION_HANDLER": "bangban.core.api_errors.exception_handler",
    # DRF's own parsers, bounded like Django's request.body (core/uploads.py)
    "DEFAULT_PARSER_CLASSES": [
        "bangban.core.uploads.JSONParser",
        "bangban.core.uploads.FormParser",
        "bangban.core.uploads.MultiPartParser",
    ],
    "PAGE_SIZE": 20,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "帮办代办平台 API",
    "DESCRIPTION": "Bangban 政务服务帮办代办平台接口。认证：集成系统使用 `Authorization: Token <令牌>`（在「API 令牌」页面或 `/api/v1/tokens/` 签发，有效期最长 365 天，明文只显示一次），浏览器使用会话。同一客户端失败尝试过多时返回 429。写操作（POST、PUT、PATCH、DELETE）可带请求头 `Idempotency-Key: <1–64 个字母、数字或 _.:->`：超时或断线后用同一键重发，只执行一次并返回第一次的响应（响应头 `Idempotent-Replayed: true`）；同一键用于不同请求返回 422；键保留 24 小时。",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Choice sets whose field names collide across apps get meaningful names instead of hashes.
    "ENUM_NAME_OVERRIDES": {
        "CaseKindEnum": "bangban.cases.models.Kind",
        "CaseStatusEnum": "bangban.cases.models.Status",
        "CaseChannelEnum": "bangban.cases.models.Channel",
        "ComplaintChannelEnum": "bangban.complaints.models.Channel",
        "ComplaintStatusEnum": "bangban.complaints.models.Status",
        "ConsultationChannelEnum": "bangban.complaints.models.ConsultChannel",
        "ReviewLevelEnum": "bangban.evaluations.models.Level",
        "RectificationStatusEnum": "bangban.evaluations.models.RectStatus",
        "ArticleKindEnum": "bangban.knowledge.models.Article.Kind",
        "ArticleSourceEnum": "bangban.knowledge.models.Article.Source",
        "ProjectLevelEnum": "bangban.projects.models.Level",
        "ProjectStatusEnum": "bangban.projects.models.ProjectStatus",
        "ProjectItemStatusEnum": "bangban.projects.models.ItemStatus",
        "ProjectRequestKindEnum": "bangban.projects.models.RequestKind",
        "ProjectMeetingKindEnum": "bangban.projects.models.MeetingKind",
        "RemoteCallStatusEnum": "bangban.remote.models.CallStatus",
        "RemoteCallOriginEnum": "bangban.remote.models.HelpCall.Origin",
        "RemoteEventSideEnum": "bangban.remote.models.SessionEvent.Side",
        "RemoteEventKindEnum": "bangban.remote.models.SessionEvent.Kind",
        "RemotePartySideEnum": "bangban.remote.api.PARTY_SIDES",
    },
}

# Celery: Redis in production; eager (in-process, after commit) in the embedded default.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL or "cache+memory://")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Every task is time-bounded: the soft limit raises SoftTimeLimitExceeded inside the task (which
# can record a clean failure and roll back), the hard limit kills the worker child. Tasks that need
# other bounds set their own (catalog import). Not applied to eager (in-process) runs.
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=120)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=180)
BANGBAN_IMPORT_SOFT_TIME_LIMIT = env.int("BANGBAN_IMPORT_SOFT_TIME_LIMIT", default=300)
BANGBAN_IMPORT_TIME_LIMIT = env.int("BANGBAN_IMPORT_TIME_LIMIT", default=360)
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# SMS dispatch: "immediate" queues each message's task right after its transaction commits;
# "relay" leaves committed outbox rows to the relay task on beat (requests never touch the broker).
BANGBAN_SMS_DISPATCH = env.str("BANGBAN_SMS_DISPATCH", default="relay" if REDIS_URL else "immediate")
if BANGBAN_SMS_DISPATCH not in ("immediate", "relay"):
    raise ImproperlyConfigured(
        "短信发送方式只能是 immediate 或 relay (BANGBAN_SMS_DISPATCH must be immediate or relay)"
    )
BANGBAN_SMS_RELAY_SECONDS = env.float("BANGBAN_SMS_RELAY_SECONDS", default=2.0)
# A message claimed by a worker that died mid-send (or left pending) is taken again by the sweep once
# its claim is this old; the sweep runs every BANGBAN_SMS_SWEEP_SECONDS on beat.
BANGBAN_SMS_STALE_SECONDS = env.int("BANGBAN_SMS_STALE_SECONDS", default=600)
BANGBAN_SMS_SWEEP_SECONDS = env.float("BANGBAN_SMS_SWEEP_SECONDS", default=300.0)
# Audit chain (audit.chain): the HMAC-SM3 key lives outside the database; development derives one
# from SECRET_KEY. Rows are sealed after they commit: by a beat task every BANGBAN_AUDIT_SEAL_SECONDS
# ("beat", with Redis) or in-process right after each committing transaction ("commit", embedded).
BANGBAN_AUDIT_KEY = env.str("BANGBAN_AUDIT_KEY", default="")
BANGBAN_AUDIT_SEAL = env.str("BANGBAN_AUDIT_SEAL", default="beat" if REDIS_URL else "commit")
if BANGBAN_AUDIT_SEAL not in ("beat", "commit"):
    raise ImproperlyConfigured(
        "审计日志封存方式只能是 beat 或 commit (BANGBAN_AUDIT_SEAL must be beat or commit)"
    )
BANGBAN_AUDIT_SEAL_SECONDS = env.float("BANGBAN_AUDIT_SEAL_SECONDS", default=1.0)
CELERY_BEAT_SCHEDULE = {
    "clear-expired-sessions": {"task": "bangban.accounts.tasks.clear_expired_sessions", "schedule": 3600.0},
    "clear-stale-login-failures": {
        "task": "bangban.accounts.tasks.clear_stale_login_failures",
        "schedule": 3600.0,
    },
    # Resend SMS whose worker died or whose retries ran out of the eager path (idempotent).
    "notifications-send-pending": {
        "task": "bangban.notifications.tasks.send_pending",
        "schedule": BANGBAN_SMS_SWEEP_SECONDS,
    },
    # 智能邀评: one reminder per SMS review link unanswered after 3 working days (idempotent).
    "evaluations-remind-invitations": {
        "task": "bangban.evaluations.tasks.remind_invitations",
        "schedule": 3600.0,
    },
    # 督办单 past their reply limit escalate to the coordinators (idempotent).
    "oversight-escalate": {"task": "bangban.oversight.tasks.escalate_overdue", "schedule": 900.0},
    "bookings-generate-slots": {"task": "bangban.bookings.tasks.generate_slots", "schedule": 6 * 3600.0},
    "bookings-purge-codes": {"task": "bangban.bookings.tasks.purge_codes", "schedule": 3600.0},
    "ops-purge-idempotency-keys": {"task": "bangban.ops.tasks.purge_idempotency_keys", "schedule": 3600.0},
    # Key projects: liaison requests and blockers past their limit climb their ladder (idempotent).
    "projects-escalate": {"task": "bangban.projects.tasks.escalate_overdue", "schedule": 900.0},
}

if BANGBAN_AUDIT_SEAL == "beat":
    CELERY_BEAT_SCHEDULE["audit-seal"] = {
        "task": "bangban.audit.tasks.seal",
        "schedule": BANGBAN_AUDIT_SEAL_SECONDS,
        "options": {"expires": BANGBAN_AUDIT_SEAL_SECONDS * 5},
    }

if BANGBAN_SMS_DISPATCH == "relay":
    CELERY_BEAT_SCHEDULE["notifications-relay"] = {
        "task": "bangban.notifications.tasks.relay_new",
        "schedule": BANGBAN_SMS_RELAY_SECONDS,
    }

# /metrics answers these addresses (the scraper's) or a request with the METRICS_TOKEN bearer token.
METRICS_ALLOWED_IPS = env.list("METRICS_ALLOWED_IPS", default=["127.0.0.1/32", "::1/128"])
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
BANGBAN_IDEMPOTENCY_HOURS = env.int("BANGBAN_IDEMPOTENCY_HOURS", default=24)
BANGBAN_BACKUP_DIR = env.str("BANGBAN_BACKUP_DIR", default=str(VAR_DIR / "backups"))
# Logs: one JSON object per line in production (LOG_FORMAT=json), readable text in development;
# every line carries the request id (bangban.ops.observability).
LOG_FORMAT = env.str("LOG_FORMAT", default="json" if BANGBAN_ENV == "production" else "text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "bangban.ops.observability.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "bangban.ops.observability.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["request_id"], "formatter": LOG_FORMAT}
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Remote help (远程帮办, docs/remote.md): long-poll bounds, heartbeat, ICE servers for WebRTC.
BANGBAN_REMOTE_WAIT_SECONDS = env.float("BANGBAN_REMOTE_WAIT_SECONDS", default=25.0)
BANGBAN_REMOTE_POLL_SECONDS = env.float("BANGBAN_REMOTE_POLL_SECONDS", default=0.1)
BANGBAN_REMOTE_MAX_WAITS = env.int("BANGBAN_REMOTE_MAX_WAITS", default=200)
BANGBAN_REMOTE_PUBSUB_URL = env.str("BANGBAN_REMOTE_PUBSUB_URL", default=REDIS_URL)
BANGBAN_REMOTE_STALE_SECONDS = env.int("BANGBAN_REMOTE_STALE_SECONDS", default=45)
BANGBAN_REMOTE_TARGET_SECONDS = env.int("BANGBAN_REMOTE_TARGET_SECONDS", default=60)
# JSON list of RTCIceServer objects, e.g. [{"urls": "turn:turn.example.gov.cn:3478", "username": "u",
# "credential": "p"}]; empty on one LAN (host candidates suffice).
BANGBAN_REMOTE_ICE_SERVERS = env.json("BANGBAN_REMOTE_ICE_SERVERS", default=[])
CELERY_BEAT_SCHEDULE["remote-sweep-stale"] = {"task": "bangban.remote.tasks.sweep_stale", "schedule": 15.0}
# GB/T 39046 data exchange (bangban.exchange): the daily push to the national platform. HTTPS only
# (plain http to this machine is allowed outside production, for tests); the token is a bearer token.
BANGBAN_EXCHANGE_URL = env.str("BANGBAN_EXCHANGE_URL", default="")
BANGBAN_EXCHANGE_TOKEN = env.str("BANGBAN_EXCHANGE_TOKEN", default="")
if PRODUCTION and BANGBAN_EXCHANGE_URL and not BANGBAN_EXCHANGE_URL.startswith("https://"):
    raise ImproperlyConfigured(
        "生产模式下 BANGBAN_EXCHANGE_URL 必须使用 HTTPS (BANGBAN_EXCHANGE_URL must be https in production)"
    )
if BANGBAN_EXCHANGE_URL:
    from celery.schedules import crontab

    CELERY_BEAT_SCHEDULE["exchange-push-daily"] = {
        "task": "bangban.exchange.tasks.push_daily",
        "schedule": crontab(hour=1, minute=30),  # Asia/Shanghai (CELERY_TIMEZONE): yesterday's changes
    }
