"""Vestibule settings: one module, driven by the environment (see README)."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from .env import env, env_bool, env_float, env_int, env_list

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env("VESTIBULE_VAR_DIR", str(BASE_DIR / "var")))

DJANGO_ENV = env("DJANGO_ENV", "development")
PRODUCTION = DJANGO_ENV == "production"
TESTING = DJANGO_ENV == "test"

SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY (or SECRET_KEY_FILE) must be set in production.")
    # Development and tests only: a fixed key keeps sessions valid across restarts.
    SECRET_KEY = "dev-only-insecure-" + "k" * 50
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS")
# Off unless asked for, `make run` included: a debug page lists every URL and
# shows stack traces. Developers set DJANGO_DEBUG=1 (DEBUG=1 is read too).
DEBUG = env_bool("DJANGO_DEBUG", default=env_bool("DEBUG", default=False))
# The address people reach the site at: links in e-mails and SMS (invitations,
# signing pages, export downloads) and Twilio's signed status callbacks.
PUBLIC_URL = (env("PUBLIC_URL") or "http://127.0.0.1:8000").rstrip("/")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
CSRF_FAILURE_VIEW = "config.errors.csrf_failure"

INSTALLED_APPS = [
    # Our apps first: tenancy's `migrate` command overrides Django's own.
    "tenancy",
    "audit",
    "sites",
    "visitors",
    "documents",
    "badges",
    "notifications",
    "reports",
    "retention",
    "backups",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "auditlog",
    "axes",
    "csp",
    "modeltrans",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.csp.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # `Origin: null` on marked public pages is judged by the token (config/csrf.py).
    "config.csrf.OpaqueOriginMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "tenancy.middleware.TenantMiddleware",
    "tenancy.middleware.LanguageMiddleware",
    "tenancy.throttle.RateLimitMiddleware",
    "config.inputs.RefuseNulMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tenancy.context_processors.tenancy",
            ],
        },
    }
]


# --- Databases -------------------------------------------------------------------
# Two PostgreSQL roles (README, "Database roles"): the application role, bound by
# row-level security, serves requests and tasks; the owner role owns the tables,
# runs migrations and backups. Both point at the same database.
def _embedded_url(name: str) -> str | None:
    """URLs written by `make run` for its embedded servers, so that a plain
    `manage.py shell` in another terminal reaches the same servers."""
    path = VAR_DIR / "run" / f"{name}.url"
    return path.read_text().strip() if path.exists() else None


DATABASE_URL = env("DATABASE_URL") or _embedded_url("database")
DATABASE_OWNER_URL = env("DATABASE_OWNER_URL") or _embedded_url("database_owner") or DATABASE_URL
if not DATABASE_URL:
    raise ImproperlyConfigured(
        "DATABASE_URL is not set and no embedded PostgreSQL is running: use `make run` or "
        "`make test`, or set DATABASE_URL."
    )
_conn_age = env_int("CONN_MAX_AGE", 60 if PRODUCTION else 0)
# A kept connection is checked before the request that reuses it: after a restart
# of PostgreSQL or of a pooler in front of it, the next request reconnects instead
# of failing on the dead socket (tests/test_pgbouncer.py).
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL, conn_max_age=_conn_age, conn_health_checks=env_bool("CONN_HEALTH_CHECKS", default=True)
    ),
    "owner": dj_database_url.parse(DATABASE_OWNER_URL, conn_max_age=0),
}
# In tests the owner alias follows the test database that `default` creates; the
# pid in its name lets two test sessions share one server.
# Server-side parameter binding: PostgreSQL receives the parameters apart, and
# psycopg prepares a statement once a connection has run it `prepare_threshold`
# times (the same dozen on every request), so the server skips parsing and
# planning it again. Django turns preparing off unless asked (it breaks behind a
# transaction-mode pooler such as PgBouncer's): DATABASE_PREPARE_THRESHOLD=0
# turns it off here too.
_prepare = env_int("DATABASE_PREPARE_THRESHOLD", 5)
DATABASES["default"]["OPTIONS"] = {
    **DATABASES["default"].get("OPTIONS", {}),
    "server_side_binding": env_bool("DATABASE_SERVER_SIDE_BINDING", default=True),
    "prepare_threshold": _prepare or None,
}
DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}_{os.getpid()}"}
DATABASES["owner"]["TEST"] = {"MIRROR": "default"}
# A streaming read replica (config/replica.py): exports, dashboards, the journal
# and subject searches read there when it is up and fresh; everything else, and
# every read when it is absent, stays on the primary.
DATABASE_REPLICA_URL = env("DATABASE_REPLICA_URL")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(DATABASE_REPLICA_URL, conn_max_age=_conn_age)
    DATABASES["replica"]["OPTIONS"] = {
        "connect_timeout": env_int("DATABASE_REPLICA_CONNECT_TIMEOUT", 2),
        **DATABASES["default"]["OPTIONS"],
        **DATABASES["replica"].get("OPTIONS", {}),
    }
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["config.replica.ReplicaRouter"]
DATABASE_REPLICA_MAX_LAG = env_float("DATABASE_REPLICA_MAX_LAG", 5.0)  # seconds behind the primary
DATABASE_REPLICA_WAIT = env_float("DATABASE_REPLICA_WAIT", 2.0)  # for the reader's own writes
DATABASE_REPLICA_RETRY = env_float("DATABASE_REPLICA_RETRY", 10.0)  # after a failed connection
# Remembered apart: tests briefly give `default` the owner's credentials to migrate.
DATABASE_APP_ROLE = DATABASES["default"].get("USER")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL") or _embedded_url("redis") or "redis://127.0.0.1:6379/0"
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        # Test sessions get their own prefix so they can clear their keys alone.
        "KEY_PREFIX": f"test{os.getpid()}" if TESTING else env("CACHE_PREFIX", "vestibule"),
    }
}

# --- Celery ------------------------------------------------------------------------
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BEAT_SCHEDULE: dict = {}
# Beat keeps its schedule (each entry's last run) in Redis, not in a local file,
# and holds a lock there while it runs (celery-redbeat): a second beat, on this
# machine or another, waits for the lock and takes over when the first stops or
# dies, so each periodic task is sent once (docs/scaling.md, "Beat").
CELERY_BEAT_SCHEDULER = "redbeat.RedBeatScheduler"
CELERY_REDBEAT_REDIS_URL = REDIS_URL
CELERY_REDBEAT_KEY_PREFIX = f"{CACHES['default']['KEY_PREFIX']}:beat:"
# Beat looks at the schedule (and renews its lock) at least this often; a
# standby takes over within 5 times this after the active beat died.
CELERY_BEAT_MAX_LOOP_INTERVAL = env_int("BEAT_MAX_LOOP_SECONDS", 5)

# --- Authentication ----------------------------------------------------------------
AUTH_USER_MODEL = "tenancy.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_HASHERS = (
    # Tests hash hundreds of passwords; MD5 keeps fixtures fast there and nowhere else.
    ["django.contrib.auth.hashers.MD5PasswordHasher"]
    if TESTING
    else ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15))
# Locked per account, not per address: reception teams share one NAT'd address,
# and one mistyping colleague must not lock out the whole front desk.
AXES_LOCKOUT_PARAMETERS = ["username"]
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_USERNAME_FORM_FIELD = "email"
AXES_USERNAME_CALLABLE = "tenancy.auth.axes_username"
AXES_LOCKOUT_CALLABLE = "tenancy.auth.lockout_response"
AXES_RESET_ON_SUCCESS = True
# Attempts on a locked account do not push its unlock time further: the account
# opens again AXES_COOLOFF_TIME after it was locked, whoever keeps knocking.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = False

# Password reset e-mails: per address asked for, and per client address (a
# reception team behind one NAT'd address shares the second allowance).
PASSWORD_RESET_LIMIT_PER_ACCOUNT = env_int("PASSWORD_RESET_LIMIT_PER_ACCOUNT", 3)
PASSWORD_RESET_LIMIT_PER_ADDRESS = env_int("PASSWORD_RESET_LIMIT_PER_ADDRESS", 10)
PASSWORD_RESET_PERIOD_MINUTES = env_int("PASSWORD_RESET_PERIOD_MINUTES", 60)

SESSION_COOKIE_AGE = env_int("SESSION_IDLE_MINUTES", 30) * 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Idle timeout: every request pushes the expiry forward; silence ends the session.
SESSION_SAVE_EVERY_REQUEST = True
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# --- Internationalisation ----------------------------------------------------------
LANGUAGE_CODE = "fr"
# The one list of languages: the UI, the kiosk, translated content (django-modeltrans
# keeps LANGUAGE_CODE in the model's own column and the others in its `i18n` JSON),
# forms, the API's translation maps and exports iterate over it. A new language is a
# line here and the apps' `locale/<code>/LC_MESSAGES/django.po`.
LANGUAGES = [("fr", _("French")), ("en", _("English")), ("de", _("German"))]
# Content missing in a language is shown in LANGUAGE_CODE (the one required).
MODELTRANS_FALLBACK = {"default": (LANGUAGE_CODE,)}
MODELTRANS_ADD_FIELD_HELP_TEXT = False
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True
LANGUAGE_COOKIE_NAME = "vestibule_language"

# --- Static and media --------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Outside production whitenoise serves straight from the apps' static folders.
WHITENOISE_USE_FINDERS = not PRODUCTION
# Files browsers ask for at the site's root (favicon.ico).
WHITENOISE_ROOT = BASE_DIR / "static" / "root"
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
AWS_STORAGE_BUCKET_NAME = env("AWS_STORAGE_BUCKET_NAME")
if AWS_STORAGE_BUCKET_NAME:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env("AWS_S3_ENDPOINT_URL"),
            "region_name": env("AWS_S3_REGION_NAME", "eu-west-3"),
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": 300,
            "object_parameters": {"ServerSideEncryption": "AES256"},
        },
    }

# --- E-mail and SMS ----------------------------------------------------------------
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Vestibule <no-reply@vestibule.localhost>")
EMAIL_HOST = env("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=EMAIL_PORT == 587)
    EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
else:
    EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
SMS_BACKEND = env("SMS_BACKEND", "console")
TWILIO_ACCOUNT_SID = env("TWILIO_ACCOUNT_SID")
TWILIO_AUTH_TOKEN = env("TWILIO_AUTH_TOKEN")
TWILIO_FROM_NUMBER = env("TWILIO_FROM_NUMBER")

# --- Request budgets (tenancy/throttle.py) -----------------------------------------
# Fixed windows of "count/period" (s, min, h); "off" lifts one. A desk refreshes
# every 10 s and searches as its receptionist types (150 ms debounce, a burst
# of ~10 requests per name); one address may be a whole office behind NAT (50
# desks), so its budgets are far above a member's. A client past them gets 429.
RATE_LIMITS = {
    "member": env("RATE_LIMIT_MEMBER", "600/min"),
    "member_search": env("RATE_LIMIT_MEMBER_SEARCH", "180/min"),
    "ip": env("RATE_LIMIT_IP", "9000/min"),
    "ip_search": env("RATE_LIMIT_IP_SEARCH", "3000/min"),
}

# --- API ---------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "tenancy.authentication.MembershipTokenAuthentication",
        "tenancy.authentication.ScopedSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["tenancy.permissions.IsMember"],
    "DEFAULT_PAGINATION_CLASS": "config.pagination.BoundedPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_THROTTLE_RATES": {"token": "20/min"},
    # The same as DRF's, refusing a NUL character (config/inputs.py).
    "DEFAULT_PARSER_CLASSES": [
        "config.inputs.JSONParser",
        "config.inputs.FormParser",
        "config.inputs.MultiPartParser",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Vestibule API",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.schema.document_errors",
    ],
}

# --- Production hardening ----------------------------------------------------------
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "same-origin"
    X_FRAME_OPTIONS = "DENY"
else:
    X_FRAME_OPTIONS = "SAMEORIGIN"

# --- Content-Security-Policy (django-csp) -----------------------------------------
# Scripts from our own files only: no inline <script>, no on* attribute, no eval
# (htmx is told not to evaluate attributes, see templates/base.html). Inline
# style attributes remain allowed: they cannot run code, and many templates
# position things with them. Frames: the badge PDF is shown in a same-origin
# iframe. Data URLs for images: the signature pad and the schema UI's icons.
# PDFs go without the header (config/csp.py).
from csp.constants import NONE, SELF, UNSAFE_INLINE  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "frame-src": [SELF],
        "worker-src": [SELF, "blob:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        # Same origin: the badge print page frames the badge PDF.
        "frame-ancestors": [SELF],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "WARNING")},
}

AUDITLOG_INCLUDE_ALL_MODELS = False
# Field-level change history lives in a tenant table of ours (organization,
# row-level security, retention); the acting member and the client address come
# from tenancy.context, so auditlog's middleware (which trusts X-Forwarded-For
# and stores e-mails) is not installed.
AUDITLOG_LOGENTRY_MODEL = "audit.ChangeEntry"

# --- badges ---
# Where to find DejaVuSans.ttf (Debian: fonts-dejavu-core); reportlab's own
# Vera fonts are the fallback (config/fonts.py).
BADGE_FONT_DIRS = env_list("BADGE_FONT_DIRS", "/usr/share/fonts/truetype/dejavu")
# A template export carries its logo (up to 2 MB) in base64 inside JSON: about
# 2.8 MB of body, over Django's 2.5 MB default for a non-file request body.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 4 * 1024 * 1024)

# --- documents ---------------------------------------------------------------------
# Attachments, signatures, certificates and archives go to STORAGES["default"].
DOCUMENTS_ARCHIVE_DAYS = env_int("DOCUMENTS_ARCHIVE_DAYS", 7)
# Images with more pixels are refused before decoding (decompression bombs).
DOCUMENTS_MAX_IMAGE_PIXELS = env_int("DOCUMENTS_MAX_IMAGE_PIXELS", 40_000_000)
SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {}).update(
    {
        "ConsentKindEnum": "documents.models.ConsentKind",
        "AttachmentKindEnum": "documents.models.AttachmentKind",
        "SigningChannelEnum": "documents.models.SigningChannel",
        "UploadChannelEnum": "documents.models.UploadChannel",
        "DocumentArchiveStatusEnum": "documents.models.ArchiveStatus",
    }
)
CELERY_BEAT_SCHEDULE["documents-expire-archives"] = {
    "task": "documents.expire_archives",
    "schedule": timedelta(hours=1),
}
# Objects left without their row (documents/sweeper.py). A time of day rather
# than a 24-hour interval, which beat may count again from its own restart.
from celery.schedules import crontab  # noqa: E402

CELERY_BEAT_SCHEDULE["documents-sweep-orphans"] = {
    "task": "documents.sweep_orphans",
    "schedule": crontab(hour=3, minute=40),
}

# --- visitors ------------------------------------------------------------------------

CELERY_BEAT_SCHEDULE.update(
    {
        # Every 15 minutes: each site's end of day falls in its own time zone.
        "visitors-auto-checkout": {"task": "visitors.tasks.auto_checkout_all", "schedule": 15 * 60},
        # Hourly rather than nightly: "after the expected day" is each site's
        # local midnight; both tasks are idempotent, so extra runs change nothing.
        "visitors-no-shows": {"task": "visitors.tasks.no_shows_all", "schedule": crontab(minute=30)},
        # CSV imports whose worker vanished go back to the queue; old jobs go.
        "visitors-imports-upkeep": {"task": "visitors.tasks.imports_upkeep_all", "schedule": 5 * 60},
    }
)
# A visit's status appears in two components (a visit, a new visit with its invitation).
SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {})["VisitStatusEnum"] = "visitors.models.VisitStatus"
VISITORS_IMPORT_QUEUE = env("VISITORS_IMPORT_QUEUE")  # None: Celery's default queue
# National phone numbers (06 12 34 56 78) are read in this region and stored in E.164.
VISITORS_PHONE_REGION = env("VISITORS_PHONE_REGION", "FR")

# --- notifications ---
TWILIO_API_BASE_URL = env("TWILIO_API_BASE_URL")  # a proxy or regional edge; tests point it at a fake
TWILIO_TIMEOUT = env_int("TWILIO_TIMEOUT", 10)
NOTIFICATIONS_QUEUE = env("NOTIFICATIONS_QUEUE")  # None: Celery's default queue
NOTIFICATIONS_MAX_ATTEMPTS = env_int("NOTIFICATIONS_MAX_ATTEMPTS", 6)
NOTIFICATIONS_RETRY_BASE_SECONDS = env_int("NOTIFICATIONS_RETRY_BASE_SECONDS", 30)
NOTIFICATIONS_RETRY_MAX_SECONDS = env_int("NOTIFICATIONS_RETRY_MAX_SECONDS", 3600)
# A worker holds a message this long; after it, the sweeper takes it back.
NOTIFICATIONS_LEASE_SECONDS = env_int("NOTIFICATIONS_LEASE_SECONDS", 600)
# A queued message untouched this long lost its task (broker down at commit).
NOTIFICATIONS_SWEEP_AFTER_SECONDS = env_int("NOTIFICATIONS_SWEEP_AFTER_SECONDS", 120)
NOTIFICATIONS_SWEEP_BATCH = env_int("NOTIFICATIONS_SWEEP_BATCH", 500)
NOTIFICATIONS_OVERDUE_GRACE_MINUTES = env_int("NOTIFICATIONS_OVERDUE_GRACE_MINUTES", 15)
CELERY_BEAT_SCHEDULE["notifications-sweep"] = {"task": "notifications.sweep", "schedule": 60.0}
CELERY_BEAT_SCHEDULE["notifications-overdue"] = {"task": "notifications.check_overdue", "schedule": 300.0}
# Several apps have a "channel" field; name ours in the OpenAPI schema.
SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {})["NotificationChannelEnum"] = (
    "notifications.models.Channel"
)

# --- retention -----------------------------------------------------------------------
# Rows per purge transaction: small enough that no lock is held for long.
RETENTION_BATCH_SIZE = env_int("RETENTION_BATCH_SIZE", 1000)
SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {}).update(
    {
        "RetentionActionEnum": "retention.models.Action",
        "PurgeRunKindEnum": "retention.models.RunKind",
        "PurgeRunStatusEnum": "retention.models.RunStatus",
        "SubjectRequestKindEnum": "retention.models.RequestKind",
        "SubjectRequestStatusEnum": "retention.models.RequestStatus",
    }
)
CELERY_BEAT_SCHEDULE["retention-nightly"] = {
    # Every 15 minutes: each organization's 03:00 falls in its own time zone.
    "task": "retention.schedule_nightly",
    "schedule": 15 * 60,
}

# --- reports ---------------------------------------------------------------------------
# Export files live in STORAGES["default"] under exports/<organization>/ and are
# deleted this many days after they were written.
REPORTS_EXPORT_DAYS = env_int("REPORTS_EXPORT_DAYS", 7)
CELERY_BEAT_SCHEDULE.update(
    {
        # A database-backed schedule: the tick finds due schedules in each
        # organization's own time zone, so five minutes is the only precision.
        "reports-run-schedules": {"task": "reports.tasks.run_schedules_all", "schedule": 5 * 60},
        "reports-resume-stalled": {"task": "reports.tasks.resume_stalled_all", "schedule": 5 * 60},
        "reports-expire-exports": {"task": "reports.tasks.expire_exports_all", "schedule": 60 * 60},
    }
)

# --- backups ---
# Imported here too: this block must not depend on another block's imports.
from celery.schedules import crontab as backups_crontab  # noqa: E402

# Keys: "id1:base64key,id2:base64key", newest first (`manage.py backup --new-key`
# prints one). New backups use the first; older ones decrypt with any listed.
# `make run` writes one into var/backup.key on the first start (BACKUP_KEYS_FILE).
# A key file that cannot be read is reported by the check `backups.E001`
# (every manage.py command, the worker and beat), never taken as "no backups".
try:
    BACKUP_KEYS = env("BACKUP_KEYS", "")
    BACKUP_KEYS_ERROR = ""
except OSError as _exc:
    BACKUP_KEYS = ""
    BACKUP_KEYS_ERROR = f"BACKUP_KEYS_FILE={os.environ.get('BACKUP_KEYS_FILE')}: {_exc.strerror}"
# Destinations: a local directory always (BACKUP_DIR, off by setting it empty),
# an S3 bucket, and an optional second S3 endpoint flagged off site.
BACKUP_DESTINATIONS: list[dict] = []
_backup_dir = env("BACKUP_DIR", str(VAR_DIR / "backups"))
if _backup_dir:
    BACKUP_DESTINATIONS.append({"kind": "local", "name": "local", "path": _backup_dir})
for _prefix, _name, _offsite in (("BACKUP_S3", "s3", False), ("BACKUP_OFFSITE_S3", "offsite", True)):
    if env(f"{_prefix}_BUCKET"):
        BACKUP_DESTINATIONS.append(
            {
                "kind": "s3",
                "name": _name,
                "offsite": env_bool(f"{_prefix}_OFFSITE", default=_offsite),
                "bucket": env(f"{_prefix}_BUCKET"),
                "prefix": env(f"{_prefix}_PREFIX", "backups/"),
                "endpoint_url": env(f"{_prefix}_ENDPOINT_URL"),
                "region_name": env(f"{_prefix}_REGION", "eu-west-3"),
                "access_key_id": env(f"{_prefix}_ACCESS_KEY_ID"),
                "secret_access_key": env(f"{_prefix}_SECRET_ACCESS_KEY"),
            }
        )
# Rotation per destination: the newest backup of each of the last N days, M
# ISO weeks and K months is kept; anything else is deleted.
BACKUP_KEEP_DAILY = env_int("BACKUP_KEEP_DAILY", 7)
BACKUP_KEEP_WEEKLY = env_int("BACKUP_KEEP_WEEKLY", 5)
BACKUP_KEEP_MONTHLY = env_int("BACKUP_KEEP_MONTHLY", 12)
# Where drills and restores unpack (needs room for one decrypted dump).
BACKUP_WORK_DIR = env("BACKUP_WORK_DIR", "")
CELERY_BEAT_SCHEDULE["backups-daily"] = {
    "task": "backups.run_backup",
    "schedule": backups_crontab(minute=env_int("BACKUP_MINUTE", 15), hour=env_int("BACKUP_HOUR", 2)),
}
CELERY_BEAT_SCHEDULE["backups-weekly-drill"] = {
    "task": "backups.run_drill",
    "schedule": backups_crontab(minute=0, hour=5, day_of_week=env_int("BACKUP_DRILL_WEEKDAY", 0)),
}
