"""Settings, read from the environment.

With nothing set: SQLite in var/, eager Celery, DEBUG off unless DJANGO_DEBUG=1.
DATABASE_URL selects PostgreSQL; REDIS_URL turns on a real Celery broker.
"""

import datetime
import os
import secrets
import sys
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("ZH_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG")
# The repository's key is for DEBUG only: without DEBUG a missing key is a refusal to start,
# never a silent fallback to a key anyone can read (sessions and password resets hang on it).
#: Commands that only read or write the code (migrations, message catalogues) sign nothing:
#: they may run without a key, on a throwaway one that is never stored.
CODE_ONLY_COMMANDS = {"makemigrations", "makemessages", "compilemessages", "showmigrations", "help"}
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    command = sys.argv[1] if len(sys.argv) > 1 and sys.argv[0].endswith("manage.py") else ""
    if DEBUG:
        SECRET_KEY = "django-insecure-zichuan-heating-local-development-only"
    elif command in CODE_ONLY_COMMANDS:
        SECRET_KEY = secrets.token_urlsafe(50)
    else:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set: with DEBUG off the app does not start without it."
        )
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "import_export",
    "simple_history",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
    "rest_framework",
    "drf_spectacular",
    "zichuan_heating",
    "tasks",
    "acceptance",
    "subsidies",
    "visits",
]

MIDDLEWARE = [
    "zichuan_heating.security.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "zichuan_heating.security.PermissionsPolicyMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "zichuan_heating.middleware.ChineseFirstLocaleMiddleware",
    "zichuan_heating.security.RefuseUnstorableInputMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "zichuan_heating.memo.RequestMemoMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "zichuan_heating.sessions.SessionLimitsMiddleware",
    "zichuan_heating.accounts.twofactor.TwoFactorRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a lockout raised by the backend into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "zichuan_heating.urls"

# The REST API (/api/) is for the utilities' systems only: their token, nothing else.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["subsidies.metering.auth.UtilityTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["subsidies.metering.auth.IsUtility"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 100,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "淄川区清洁取暖 · 抄表数据接口",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
}
WSGI_APPLICATION = "zichuan_heating.wsgi.application"

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
                "zichuan_heating.context_processors.role",
            ],
        },
    },
]

DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    if DATABASES["default"]["ENGINE"].endswith("postgresql"):
        # Parameters bound by the server and statements prepared from their fifth run on a
        # connection: a page's queries repeat with other values, and planning them is most of
        # what they cost the server (bench.dashboard_http, bench.load).
        options = DATABASES["default"].setdefault("OPTIONS", {})
        options.update({"server_side_binding": True, "prepare_threshold": 5})
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "zichuan.sqlite3",
            "OPTIONS": {"timeout": 20},
        }
    }
# A test that starts a Celery worker in a subprocess points it at the test database.
if os.environ.get("ZH_TEST_DATABASE_NAME"):
    DATABASES["default"]["NAME"] = os.environ["ZH_TEST_DATABASE_NAME"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "zichuan_heating.User"
# django-axes first: it refuses a locked-out username or address before a password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "zichuan_heating.accounts.backends.AccessBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "progress:dashboard"
LOGOUT_REDIRECT_URL = "login"

# Login throttling (django-axes): failed logins are rows in the database (axes_accessattempt,
# axes_accessfailurelog). Five failures lock the username, from any address, for 30 minutes;
# a success clears the count. Not the address: the towns' offices sit behind shared NAT
# addresses (and a proxy would make every user one address), so one person guessing would
# lock everyone out of the office.
AXES_FAILURE_LIMIT = 5
AXES_LOCKOUT_PARAMETERS = ["username"]
# axes.W006 warns that locking without the address lets an attacker rotate user agents or
# cookies; a username lock holds whatever the attacker rotates, so the warning does not apply.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_COOLOFF_TIME = datetime.timedelta(minutes=30)
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = True

# Sessions end after 30 minutes without a request and 12 hours after login, whatever happens
# (zichuan_heating.sessions.SessionLimitsMiddleware keeps both times in the session).
SESSION_IDLE_SECONDS = 30 * 60
SESSION_MAX_SECONDS = 12 * 60 * 60
SESSION_COOKIE_AGE = SESSION_MAX_SECONDS
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Two-factor sign-in (TOTP) for the roles that move money or hand out roles.
ZH_REQUIRE_2FA = env_bool("ZH_REQUIRE_2FA", default=not DEBUG)
# Nobody reads another user's TOTP secret or QR code in the admin (its config pages answer 403);
# a lost phone is handled by clearing the authenticator on the users page.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
OTP_TOTP_ISSUER = "淄川区清洁取暖管理系统"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = Path(os.environ.get("ZH_MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "media/"

# Uploads: ledgers can be large; the importer checks sizes itself.
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
LEDGER_IMPORT_MAX_BYTES = int(os.environ.get("ZH_LEDGER_IMPORT_MAX_BYTES", 40 * 1024 * 1024))
LEDGER_IMPORT_MAX_ROWS = 200_000
# A bank return has one row per batch line (a batch may hold 100,000 lines).
BANK_RETURN_MAX_BYTES = int(os.environ.get("ZH_BANK_RETURN_MAX_BYTES", 20 * 1024 * 1024))
BANK_RETURN_MAX_ROWS = 200_000
# Files bigger than this many rows are imported by a Celery job with a progress bar.
LEDGER_IMPORT_ASYNC_ROWS = int(os.environ.get("ZH_LEDGER_IMPORT_ASYNC_ROWS", 2000))
# Limits of the one spreadsheet reader (zichuan_heating.spreadsheets), for every upload: a
# sheet may use at most MAX_COLUMNS columns (the ledger template has 14) and its max rows;
# at most MAX_CELLS cells (and shared strings); checking and reading each stop after
# READ_SECONDS. A ledger job that killed its worker this many times ends as failed.
SPREADSHEET_MAX_COLUMNS = int(os.environ.get("ZH_SPREADSHEET_MAX_COLUMNS", 50))
SPREADSHEET_MAX_CELLS = int(os.environ.get("ZH_SPREADSHEET_MAX_CELLS", 8_000_000))
SPREADSHEET_READ_SECONDS = int(os.environ.get("ZH_SPREADSHEET_READ_SECONDS", 120))
LEDGER_IMPORT_MAX_COLUMNS = 40
LEDGER_IMPORT_MAX_ATTEMPTS = int(os.environ.get("ZH_LEDGER_IMPORT_MAX_ATTEMPTS", 3))

# Security: on by default whenever DEBUG is off; DJANGO_SECURE=0 for plain-http local use.
SECURE = env_bool("DJANGO_SECURE", default=not DEBUG)
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
SECURE_SSL_REDIRECT = SECURE
SECURE_HSTS_SECONDS = 31536000 if SECURE else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE
SECURE_HSTS_PRELOAD = SECURE
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if SECURE else None
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "zichuan_heating.security.csrf_failure"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Content-Security-Policy (django-csp): scripts and styles only from our own static files, no
# inline script or handler anywhere; nothing from a CDN.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=(), interest-cohort=()"
)

# E-mail: Django's SMTP backend; host and port from the environment.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = os.environ.get(
    "DEFAULT_FROM_EMAIL", "淄川区清洁取暖办 <noreply@zichuan.local>"
)

# Celery: a real broker only when REDIS_URL is set; otherwise jobs run in-process.
REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 600}
    # Tests shorten the visibility timeout (and the restore sweep) so that work lost with a
    # killed worker is redelivered within seconds, e.g. '{"visibility_timeout": 3}'.
    if os.environ.get("ZH_CELERY_TRANSPORT_OPTIONS"):
        import json

        CELERY_BROKER_TRANSPORT_OPTIONS.update(
            json.loads(os.environ["ZH_CELERY_TRANSPORT_OPTIONS"])
        )
    CELERY_TASK_ALWAYS_EAGER = False
else:
    CELERY_BROKER_URL = "memory://"
    CELERY_TASK_ALWAYS_EAGER = True
    CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BEAT_SCHEDULE = {
    "milestone-reminders-daily": {
        "task": "tasks.progress.jobs.send_reminders_job",
        "schedule": crontab(hour=8, minute=0),
    },
    "weekly-district-report": {
        "task": "tasks.progress.jobs.weekly_district_report_job",
        "schedule": crontab(hour=7, minute=30, day_of_week="mon"),
    },
    "case-reminders-daily": {
        "task": "visits.jobs.case_reminders_job",
        "schedule": crontab(hour=8, minute=5),
    },
    "safety-overdue-rectifications-daily": {
        "task": "visits.safety.jobs.overdue_rectifications_job",
        "schedule": crontab(hour=8, minute=10),
    },
}

# Progress reports (PDF): where finished files live; test-only: a file whose existence holds a
# finished render before its rename, so that a test can kill the worker mid-render.
REPORTS_DIR = Path(os.environ.get("ZH_REPORTS_DIR", MEDIA_ROOT / "reports"))
REPORT_RENDER_HOLD = os.environ.get("ZH_REPORT_RENDER_HOLD", "")

# Every record carries the request id (zichuan_heating.security sets it per request), so a
# 500 page's reference number finds its traceback.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "with_request": {
            "format": "%(asctime)s %(levelname)s %(name)s [request %(request_id)s] %(message)s"
        }
    },
    "filters": {"request_id": {"()": "zichuan_heating.security.RequestIdFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "with_request",
            "filters": ["request_id"],
        }
    },
    "loggers": {
        "zichuan": {"handlers": ["console"], "level": os.environ.get("ZH_LOG_LEVEL", "INFO")},
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": True},
    },
}

ROLE_LABELS = {
    "town_official": _("镇（街道）工作人员"),
    "district_office": _("区清洁取暖办"),
    "finance_bureau": _("区财政局"),
    "administrator": _("系统管理员"),
}
