"""Settings shared by every environment. Everything that differs comes from the environment.

With nothing set the portal runs on the embedded default: a SQLite file, Celery tasks run
eagerly, e-mail and SMS to the console, files on local disk. ``DATABASE_URL`` and ``REDIS_URL``
switch to PostgreSQL, a Redis cache and broker, and real workers.
"""

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


SECRET_KEY = env("SECRET_KEY", "dev-only-insecure-key-change-me-0123456789abcdefghijklmnopqrstuvwxyz")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files, served from /static/: the API docs need no CDN
    "import_export",
    "django_object_actions",
    "axes",
    "apps.core",
    "apps.accounts",
    "apps.notifications",
    "apps.enterprises",
    "apps.talents",
    "apps.reports",
    "apps.workflow",
    "apps.residency",
    "apps.engagement",
    "apps.schools",
    "apps.apartments",
]

MIDDLEWARE = [
    # Before all: the request id that every log line of the request (and its 413 or lockout) carries.
    "apps.core.request_id.RequestIdMiddleware",
    # Then refuse an oversized body before anything reads (and spools) it.
    "apps.core.middleware.RequestSizeLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # The Content-Security-Policy (django-csp; CONTENT_SECURITY_POLICY below), static files too.
    "apps.core.middleware.PortalCSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # The language stored on a logged-in user's account when their browser has no language cookie.
    "apps.accounts.middleware.UserLanguageCookieMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Cache-Control: no-store on whatever may carry personal data (signed-in callers, downloads).
    "apps.core.middleware.PersonalDataNoStoreMiddleware",
    "apps.accounts.middleware.StaffIdleTimeoutMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a lockout into its response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "talentportal.urls"
WSGI_APPLICATION = "talentportal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "apps.core.context_processors.portal",
            ],
        },
    },
]

# --- Database --------------------------------------------------------------------------------
DATABASE_URL = env("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
    if DATABASES["default"]["ENGINE"].endswith("postgresql"):
        # An unreachable server fails a request in seconds (a 503, apps.core.views.server_error), not
        # after the TCP timeout of minutes.
        DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env("SQLITE_PATH", str(BASE_DIR / "var" / "db.sqlite3")),
            # WAL: readers don't block the writer, and commits don't fsync the whole file each time.
            "OPTIONS": {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"},
        }
    }
USING_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and Celery ------------------------------------------------------------------------
REDIS_URL = env("REDIS_URL")
# Only rate limits live in the cache (sessions and login lockouts are in the database). Redis down,
# they fail open: a read finds nothing, a write is dropped, each logged, within a second
# (docs/operations.md). /readyz reports the cache down meanwhile.
PRODUCTION_REDIS_CACHE = {
    "BACKEND": "django_redis.cache.RedisCache",
    "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 1},
}
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
if REDIS_URL:
    CACHES = {"default": {**PRODUCTION_REDIS_CACHE, "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Without Redis: the in-process memory transport, named with its host ("memory://" alone makes kombu warn
# "No hostname was supplied" each time an eager task is sent).
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "Asia/Shanghai"
# A task is acknowledged only after it ran, and requeued if its worker dies: tasks are idempotent.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A worker keeps its database connection across tasks (CONN_MAX_AGE, health-checked), as the web
# processes do across requests: Celery's Django fix-up would otherwise close it after every task, and
# each task would pay a new PostgreSQL connection (here ~15 ms, more than the delivery itself). It then
# closes it only every this many tasks; apps.core.tasks closes a broken or aged one before and after
# each task (close_old_connections, like a request).
CELERY_DB_REUSE_MAX = 1000
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_TIME_LIMIT = 300
# Redis redelivers an unacknowledged message after this long; it must exceed the longest task and
# the longest countdown/ETA we schedule (12 hours), or a task would run twice.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 13 * 3600, "socket_connect_timeout": 2}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# Sending a task while the broker is down fails after one quick retry: the request that committed
# answers anyway (on_commit(..., robust=True)) and the beat sweeps send what was left pending.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_DEFAULT_QUEUE = "default"
# Workers log through LOGGING below (JSON in production, with the request id that enqueued the task).
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULE: dict = {
    # Reminders, escalations and supplement expiry; idempotent, so a missed or doubled run is harmless.
    "workflow-deadlines": {"task": "workflow.deadlines_scan", "schedule": 30 * 60},
    # Pre-checks whose task was never queued (broker down when the submit committed).
    "workflow-prechecks-sweep": {"task": "workflow.prechecks_sweep", "schedule": 5 * 60},
    # Deliveries still pending because the broker was down when their transaction committed.
    "notifications-redeliver": {"task": "notifications.redeliver_pending", "schedule": 10 * 60},
    # Green cards: one reminder 30 days before expiry, holder flag cleared once every card lapsed. Daily, idempotent.
    "residency-green-card-expiry": {"task": "residency.green_card_expiry_scan", "schedule": crontab(hour=8, minute=0)},
    # Self-registered accounts never verified within a day free their username; expired API tokens go. Idempotent.
    "accounts-unverified-purge": {"task": "accounts.unverified_accounts_purge", "schedule": 60 * 60},
    # Talent apartments: overdue offers expire (unit passed on), offer and lease-expiry reminders. Idempotent.
    "apartments-offers-expire": {"task": "apartments.offers_expire_due", "schedule": 30 * 60},
    "apartments-offers-remind": {"task": "apartments.offers_remind", "schedule": crontab(hour=9, minute=0)},
    "apartments-leases-remind": {"task": "apartments.leases_remind_expiring", "schedule": crontab(hour=9, minute=30)},
}
# Talent apartments: working days to answer an offer; a lease's first term and its longest (renewals included).
APARTMENTS_OFFER_RESPONSE_DAYS = int(env("APARTMENTS_OFFER_RESPONSE_DAYS", "3"))
APARTMENTS_LEASE_TERM_MONTHS = int(env("APARTMENTS_LEASE_TERM_MONTHS", "12"))
APARTMENTS_LEASE_MAX_MONTHS = int(env("APARTMENTS_LEASE_MAX_MONTHS", "36"))
# Bounded retries with exponential backoff for every task built with apps.core.tasks.portal_task.
CELERY_TASK_MAX_RETRIES = 5

# --- Auth ------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "apps.accounts.backends.IdentifierBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "apps.accounts.validators.CharacterClassesValidator", "OPTIONS": {"min_classes": 3}},
]
# Talents and HR log in here (username, phone or e-mail); staff may use it too or the admin's own page.
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

# django-axes: 5 failures in a row lock the account or the IP for 30 minutes.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=30)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
# The lock lasts 30 minutes from the fifth failure; retrying meanwhile does not restart it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_USERNAME_CALLABLE = "apps.accounts.backends.axes_username"
AXES_LOCKOUT_CALLABLE = "apps.accounts.views.lockout_response"
AXES_VERBOSE = False

STAFF_IDLE_TIMEOUT_SECONDS = 30 * 60
SESSION_COOKIE_AGE = 8 * 3600
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True

# --- Personal data ---------------------------------------------------------------------------
# Keys for encryption at rest (Fernet; the first encrypts, all decrypt: rotation, see README) and
# for the keyed hash used to look up personal identifiers. Production must set both.
FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEYS", "ZGV2LW9ubHkta2V5LWRvLW5vdC11c2UtaW4tcHJvZCE=")
PII_HASH_KEY = env("PII_HASH_KEY", "dev-only-pii-hash-key")

# --- Content-Security-Policy (django-csp 4) ---------------------------------------------------
# The portal's pages load only their own files: no inline script or style (portal.js and portal.css
# carry them), nothing from elsewhere, never framed.
_SELF = "'self'"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [_SELF],
        "script-src": [_SELF],
        "style-src": [_SELF],
        "img-src": [_SELF],
        "font-src": [_SELF],
        "connect-src": [_SELF],
        "object-src": ["'none'"],
        "base-uri": [_SELF],
        "form-action": [_SELF],
        "frame-ancestors": ["'none'"],
    },
}
# Pages we do not write, relaxed where they need it (apps.core.middleware.PortalCSPMiddleware):
# the Django admin (and django-import-export) and Swagger UI set inline style attributes and
# <style> elements, and Swagger UI's stylesheet draws its icons as data: images. Scripts stay 'self'.
_CSP_THIRD_PARTY_PAGES = {
    **CONTENT_SECURITY_POLICY["DIRECTIVES"],
    "style-src": [_SELF, "'unsafe-inline'"],
    "img-src": [_SELF, "data:"],
}
CSP_PATH_OVERRIDES = {
    "/admin/": _CSP_THIRD_PARTY_PAGES,
    "/api/v1/docs/": _CSP_THIRD_PARTY_PAGES,
}

# --- I18N ------------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Files -----------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
# Uploaded materials live outside MEDIA_ROOT and are served only by an authorised view.
PRIVATE_MEDIA_ROOT = Path(env("PRIVATE_MEDIA_ROOT", str(BASE_DIR / "var" / "private")))
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Any request body larger than this is refused with 413 before it is read (uploads are at most a
# material's max_size_mb, 10 MB by default, plus the form around them).
MAX_REQUEST_BYTES = int(env("MAX_REQUEST_BYTES", str(30 * 1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = 25 * 1024 * 1024

# --- E-mail and SMS --------------------------------------------------------------------------
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
# Absolute links in e-mails and SMS (paths otherwise).
PORTAL_BASE_URL = env("PORTAL_BASE_URL", "")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "noreply@rsj.haizhu.gov.cn")
SMS_BACKEND = env("SMS_BACKEND", "apps.core.sms.ConsoleSmsBackend")

# --- API -------------------------------------------------------------------------------------
# A list's ``count`` is exact up to this many rows, then stops (``count_capped``): never a COUNT(*)
# over a whole table of a million applications on every page (apps/core/pagination.py).
API_LIST_COUNT_CAP = int(env("API_LIST_COUNT_CAP", "10000"))
# A count that reached the cap is remembered this long (apps.core.pagination); 0: count every time.
API_LIST_COUNT_CACHE_SECONDS = int(env("API_LIST_COUNT_CACHE_SECONDS", "60"))
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: an anonymous call then answers 401 with a WWW-Authenticate header. Expiring,
        # revocable tokens (django-rest-knox); staff tokens also end after STAFF_IDLE_TIMEOUT_SECONDS idle.
        "apps.accounts.authentication.PortalTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # DRF's parsers let a deeply nested body, a NUL or a non-finite number through as a 500: ours answer 400.
    "DEFAULT_PARSER_CLASSES": [
        "apps.core.parsers.JSONParser",
        "apps.core.parsers.MultiPartParser",
        "apps.core.parsers.FormParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "apps.core.pagination.PortalPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "apps.core.exceptions.api_exception_handler",
    # Rate limits key on REMOTE_ADDR unless the portal sits behind that many trusted proxies: a client
    # must not dodge a limit by sending its own X-Forwarded-For.
    "NUM_PROXIES": int(env("NUM_PROXIES", "0")),
    "DEFAULT_THROTTLE_RATES": {
        "lookup": "30/min",
        "register": "20/hour",
        # One-time codes (registration): per username, sent or guessed; per address, every verify.
        "register_code": "10/hour",
        "register_verify": "30/hour",
        # Changing the account's phone or e-mail: codes sent or tried, per account.
        "contact_change": "10/hour",
        # Entering a resident ID (profile or claim): per account and per address.
        "talent_claim": "5/hour",
        "talent_claim_address": "20/hour",
    },
}
# API tokens (django-rest-knox): only a digest is stored; each token ends API_TOKEN_TTL_SECONDS after
# it was issued (talents, HR); a staff token ends after STAFF_IDLE_TIMEOUT_SECONDS without a request
# (renewed on use, never past API_TOKEN_TTL_SECONDS from its issue). Logout, "log out everywhere"
# and any password change revoke tokens.
API_TOKEN_TTL_SECONDS = int(env("API_TOKEN_TTL_SECONDS", str(10 * 3600)))
REST_KNOX = {
    "TOKEN_TTL": timedelta(seconds=API_TOKEN_TTL_SECONDS),
    "AUTH_HEADER_PREFIX": "Token",
    "AUTO_REFRESH": False,  # staff idle renewal is PortalTokenAuthentication's
    "MIN_REFRESH_INTERVAL": 60,
}
# Registration and contact changes: a 6-digit code, stored hashed, valid this long, this many tries;
# an account whose contact was never verified is removed after UNVERIFIED_ACCOUNT_TTL_SECONDS.
CONTACT_CODE_TTL_SECONDS = 10 * 60
CONTACT_CODE_MAX_ATTEMPTS = 5
CONTACT_CODE_RESEND_INTERVAL_SECONDS = 60
UNVERIFIED_ACCOUNT_TTL_SECONDS = 24 * 3600
SPECTACULAR_SETTINGS = {
    "TITLE": "Haizhu Talent Services Portal API",
    "DESCRIPTION": "REST API v1 of the Haizhu District talent services portal (海珠区人才服务平台).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # Swagger UI and ReDoc from drf-spectacular-sidecar's static files, not a CDN: the docs work offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Each model's own "status" choices get their own name in the schema (not Status3afEnum...).
    "ENUM_NAME_OVERRIDES": {
        "UnitStatusEnum": "apps.apartments.models.Unit.Status",
        "BatchStatusEnum": "apps.apartments.models.Batch.Status",
        "OfferStatusEnum": "apps.apartments.models.Offer.Status",
        "LeaseStatusEnum": "apps.apartments.models.Lease.Status",
        "RenewalStatusEnum": "apps.apartments.models.RenewalRequest.Status",
        "RoundStatusEnum": "apps.schools.models.Round.Status",
        "NominationStatusEnum": "apps.schools.models.Nomination.Status",
        "ApplicationStatusEnum": "apps.workflow.states.Status",
    },
}

# --- Logging ---------------------------------------------------------------------------------
# Every record carries the request id (apps/core/request_id.py; "-" outside a request or task).
# LOG_FORMAT=json writes one JSON object a line (production's default); plain is for reading by eye.
LOG_FORMAT = env("LOG_FORMAT", "plain")
LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            "timestamp": False,
        },
    },
    "filters": {"request_id": {"()": "apps.core.request_id.RequestIdFilter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["request_id"]},
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

DEMO_PASSWORD = env("DEMO_PASSWORD", "Pazhou#2026rc")
