"""Settings for the test suite: the same as production, less https and slow hashing."""

from zichuan_heating.settings import *  # noqa: F403

SECURE = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Jobs run in-process unless a test starts a real worker and switches the app over.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# On SQLite the test database is a file, so that a Celery worker started by a test (in another
# process) sees the same data; on PostgreSQL the worker gets the test database's name.
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": str(VAR_DIR / f"test_zichuan_{os.getpid()}.sqlite3")  # noqa: F405
    }
